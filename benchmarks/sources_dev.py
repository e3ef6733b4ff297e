"""Development questions for sources side by side (benchmarks/sources_dev/): settings are chosen
on these, never on tests/gold_sources.py. Labels as there: agree, differ, one.

Two invented events: a warehouse fire in Ostberg (four outlets) and a train derailment near
Varnby (four more, added later and written, like the first, before any question was run). Three
sentences naming a person of the story for something else were added after 59a757d, with the last
ten questions, whose answer one outlet states: a second outlet that names the same person must not
make an "agree"."""

DEV_QUESTIONS = [
    ("How many firefighters fought the fire?", "differ"),  # more than 60 (Tribune) vs sixty-five (Courier): 60 != 65
    ("How many people were hurt?", "differ"),  # two (Tribune, Courier) vs three (Signal)
    ("What time did the fire start?", "differ"),  # 9:30 vs 9:45
    ("Who owns the warehouse?", "agree"),  # Lindqvist Paper
    ("How much paper was stored there?", "agree"),  # about 4,000 tonnes / some 4,000 tonnes
    ("How long did it take to control the fire?", "differ"),  # 12 hours vs 14 hours
    ("Who is the fire chief?", "agree"),  # Maria Sand (Tribune, Courier)
    ("When did the fire happen?", "agree"),  # October 11, 2024 / Friday ... dates
    ("How much damage did the fire cause?", "one"),  # 8 million euros
    ("How far away could the smoke be seen?", "one"),  # 30 kilometres
    ("How many people worked at the site?", "one"),  # 40
    ("When was the warehouse built?", "one"),  # 1972
    ("Was the fire set on purpose?", "one"),  # police ruled out arson
    ("Who runs the company?", "one"),  # Per Lindqvist
    ("How many people were on board the train?", "agree"),  # 148 (Nordic Times, Varnby Herald)
    ("How many people were hurt in the derailment?", "differ"),  # eleven (Nordic Times) vs 14 (East Wire)
    ("What time did the train derail?", "differ"),  # 7:12 a.m. (Nordic Times) vs 7:15 a.m. (East Wire)
    ("How fast was the train going?", "differ"),  # 95 km/h (East Wire) vs 80 km/h (Radio Varnby)
    ("Who was the driver?", "agree"),  # Anders Holm (Varnby Herald, Radio Varnby)
    ("Which company runs the trains?", "agree"),  # Nordline (Nordic Times, Varnby Herald, Radio Varnby)
    ("On what day did the train derail?", "agree"),  # June 3, 2025 (Nordic Times), June 3 (East Wire)
    ("What caused the derailment?", "one"),  # a broken rail (Varnby Herald)
    ("How old is the driver?", "one"),  # 41 (Varnby Herald)
    ("How long will the line be closed?", "one"),  # until Friday (Varnby Herald)
    ("How much will the repairs cost?", "one"),  # 12 million kronor (East Wire)
    ("Who is investigating the accident?", "agree"),  # the Accident Investigation Board (Nordic Times, East Wire)
    ("How many carriages came off the track?", "one"),  # two of four (Nordic Times); "both" (Radio Varnby) is no number
    ("How long had the driver worked for the company?", "one"),  # nine years (Radio Varnby)
    ("Who said the roof collapsed?", "one"),  # Maria Sand (Tribune); the Courier quotes her on other things
    ("Who said a broken rail was the likely cause?", "one"),  # Nordline (Herald)
    ("Who slowed the train when he felt a jolt?", "one"),  # Anders Holm (Herald)
    ("Who opened an inquiry?", "one"),  # the Accident Investigation Board (Nordic Times)
    ("Who was questioned by the board?", "one"),  # Anders Holm (East Wire)
    ("Who asked for a new fire station?", "one"),  # Maria Sand (Radio North)
    ("Who said the site employed 40 people?", "one"),  # Per Lindqvist (Signal); the Courier has him visit
    ("Who said the fire started in a loading bay?", "one"),  # Sand (Courier)
    ("Who said the train was running at 80 km/h?", "one"),  # Anders Holm (Radio Varnby)
    ("Who visited the burned site?", "one"),  # Per Lindqvist (Courier)
]
