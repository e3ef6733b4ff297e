"""Development questions for sources side by side (benchmarks/sources_dev/): settings are chosen
on these, never on tests/gold_sources.py. Labels as there: agree, differ, one."""

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
]
