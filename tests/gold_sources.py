"""Gold questions for comparing sources (issue 25), written with tests/sources/ before either was
run and committed alone; never edited after a run.

tests/sources/ holds five short articles of our own writing about one invented event (the ferry
Lyra running aground off Skarholm), from five outlets that agree on some facts and contradict each
other on others. Each question is labelled with what the articles themselves say:

- "agree": two or more outlets state the answer, with the same value (numbers and number words
  alike, "at least three" agreeing on three; dates in any form; names by their words);
- "differ": two or more outlets state it with different values;
- "one": exactly one outlet states it.

The note says which outlet says what, as written.
"""

SOURCE_QUESTIONS = [
    ("How many people were on the ferry?", "differ", "212: Harbor Gazette, Coastal Wire, Skarholm Post; 230: Nordic Radio"),
    ("How many people were hurt?", "agree", "three: Harbor Gazette, Skarholm Post (at least three); 3: Coastal Wire"),
    ("How old is the captain?", "differ", "54: Harbor Gazette; 55: The Morning Ledger"),
    ("Who was in command of the ferry?", "agree", "Elin Marsk: Harbor Gazette, Coastal Wire; Marsk: Morning Ledger, Skarholm Post"),
    ("On what date did the ferry run aground?", "agree", "March 3, 2025: Harbor Gazette; March 3: Coastal Wire; 3 March: Nordic Radio"),
    ("How long did it take rescuers to reach the ferry?", "differ", "two hours: Harbor Gazette; 90 minutes: Coastal Wire"),
    ("How strong was the wind?", "agree", "90 kilometres an hour: Harbor Gazette; 90 km/h: Nordic Radio"),
    ("What caused the grounding?", "one", "a failure of the steering system: Coastal Wire"),
    ("Which company operates the ferry?", "agree", "Norrvik Lines: Harbor Gazette, Skarholm Post, The Morning Ledger"),
    ("When was the ship built?", "one", "1998: The Morning Ledger"),
    ("Who is the mayor of Skarholm?", "one", "Jonas Berg: Skarholm Post"),
    ("Where did the passengers spend the night?", "one", "the school hall: Skarholm Post"),
    ("When will the ferry service start again?", "agree", "Friday: The Morning Ledger, Skarholm Post"),
    ("How far is it from Norrvik to Skarholm?", "one", "40 kilometres: Harbor Gazette"),
    ("How often does the ferry make the crossing?", "one", "twice a day: Harbor Gazette"),
    ("How many years has the captain been in charge of the ship?", "agree", "eleven years: Coastal Wire; 11 years: Skarholm Post"),
    ("What is the name of the ferry?", "agree", "Lyra: every outlet"),
    ("What time did the ferry leave Norrvik?", "one", "10:15 p.m.: Coastal Wire"),
    ("Who is investigating the accident?", "one", "The Maritime Accident Board: Nordic Radio"),
    ("How many crew members were on board?", "differ", "14: The Morning Ledger; 16: Nordic Radio"),
    ("At what time did the ship hit the reef?", "differ", "11:40 p.m.: Harbor Gazette; 11:15 p.m.: Nordic Radio"),
    ("How many inspectors were sent to the island?", "one", "two: Nordic Radio"),
    ("Where was the ship built?", "one", "Gdansk: The Morning Ledger"),
]
