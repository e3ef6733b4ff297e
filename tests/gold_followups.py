"""Gold follow-ups (issue 25, "a question across time"), written before any was run and committed
alone; never edited after a run. Each is asked after the question before it, as in a chat:

- "ellipsis": the follow-up leaves out what the question before it said ("How many times?" after
  "Who shot him?") and needs it;
- "new": the follow-up is a whole question on another point, which the question before it must
  not pull away from its own answer.

The expected text must be in the first quote. Over the shipped articles (corpus/) and the ferry
articles of tests/sources/; choices are made on benchmarks/followups_dev.py, never here.
"""

CORPUS_FOLLOWUPS = [
    ("Who shot him?", "How many times?", "ellipsis", "five times"),
    ("When did he cross the border?", "Through which village?", "ellipsis", "Panmunjom"),
    ("What vehicle was he driving?", "How fast?", "ellipsis", "very high speed"),
    ("What did the doctor who saved him say?", "And the United Nations report?", "ellipsis", "strikingly similar"),
    ("How many times was he shot?", "And how many people have defected from North Korea since the Korean War?", "new", "30,000"),
    ("Who shot him?", "What missile did Pyongyang test after he crossed?", "new", "intercontinental ballistic missile"),
    ("How old is Oh Chong Song?", "Which newspaper interviewed him?", "new", "Sankei Shimbun"),
    ("Why did he start drinking?", "And what is the Demilitarized Zone?", "new", "most fortified frontiers"),
]

SOURCES_FOLLOWUPS = [
    ("When was the ship built?", "Where?", "ellipsis", "Gdansk"),
    ("Which company operates the ferry?", "When will it resume the service?", "ellipsis", "Friday"),
    ("Who is investigating the accident?", "How many inspectors did it send?", "ellipsis", "two inspectors"),
    ("Who is the mayor of Skarholm?", "What did he thank the islanders for?", "ellipsis", "blankets"),
    ("What time did the ship hit the reef?", "And when did it leave Norrvik?", "new", "10:15 p.m."),
    ("Who is the mayor of Skarholm?", "Where did the passengers spend the night?", "new", "school hall"),
    ("How strong was the wind?", "How far is it from Norrvik to Skarholm?", "new", "40-kilometre"),
    ("How many people were hurt?", "What caused the grounding?", "new", "steering system"),
]
