"""Development follow-ups over benchmarks/sources_dev/ (the Ostberg fire and the Varnby
derailment): settings are chosen on these, never on tests/gold_followups.py. Kinds and scoring as
there: "ellipsis" needs the question before it, "new" must not be pulled away by it; the expected
text must be in the first quote."""

DEV_FOLLOWUPS = [
    ("How many firefighters fought the fire?", "Who led them?", "ellipsis", "Sand"),
    ("What time did the fire start?", "Where?", "ellipsis", "loading bay"),
    ("Who was the driver?", "How old is he?", "ellipsis", "41"),
    ("Who was the driver?", "How long had he worked there?", "ellipsis", "nine years"),
    ("How fast was the train going?", "According to the driver?", "ellipsis", "80 km/h"),
    ("When was the warehouse built?", "Who owns it?", "ellipsis", "Lindqvist Paper"),
    ("What caused the derailment?", "Who said so?", "ellipsis", "Nordline"),
    ("How many firefighters fought the fire?", "How much paper was stored in the warehouse?", "new", "4,000 tonnes"),
    ("Who was the driver?", "And how many people were injured in the derailment?", "new", "injured"),
    ("What time did the train derail?", "And what did police say about arson?", "new", "arson"),
    ("How far away could the smoke be seen?", "What caused the derailment?", "new", "broken rail"),
    ("How old is the driver?", "And how much damage did the fire cause?", "new", "8 million euros"),
    ("How many carriages came off the track?", "Who is the chief executive of Lindqvist Paper?", "new", "Per Lindqvist"),
    ("How much will the repairs cost?", "And when will the line reopen?", "new", "Friday"),
]
