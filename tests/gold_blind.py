"""A second gold set about the two shipped articles, written blind (issue 11).

Written by reading the articles before any of these questions was asked of askdefector, and
committed alone; no question or expected text is changed after seeing a result. The answerable
questions use a reader's words, not the words of the sentence that answers them ("vehicle", not
"jeep"; "enlist", not "joined"). Each names text the first quote must contain. The unanswerable
ones are about Oh, the DMZ and the interviews, but neither article says.
"""

ANSWERABLE: list[tuple[str, str]] = [
    ("What kind of car did he use to get away?", "green jeep"),
    ("What is the defector's age?", "25"),
    ("In what year did he enlist?", "2010"),
    ("What was his father's job?", "son of a general"),
    ("How many bullets hit him?", "five"),
    ("Does he hold a grudge against the guards who fired at him?", "does not blame"),
    ("Which publication from Japan did he talk to?", "Sankei Shimbun"),
    ("What proportion of his generation feel no allegiance to the leader?", "80%"),
    ("What did the surgeon say about his condition?", "broken jar"),
    ("What fate did he fear if he had been captured?", "executed"),
    ("How long after he fled did the American network talk to him?", "18 months"),
    ("On which day of the week did he speak to the American network?", "Monday"),
    ("What weapon did the North launch a couple of weeks after he fled?", "intercontinental ballistic missile"),
    ("What did the regime do four weeks before he ran?", "nuclear test"),
    ("How many North Koreans have fled to the South since the fighting of the 1950s?", "30,000"),
    ("To what did the UN liken the regime's abuses?", "Nazis"),
    ("Does he think friendship should have stopped them from firing?", "not a matter of friendship"),
    ("What had he been doing that evening before heading south?", "drinking"),
    ("What recorded his run across the border?", "surveillance cameras"),
    ("Who went after him?", "members of his own unit"),
    ("What did he crash his way through?", "military checkpoint"),
    ("Why, in his view, do young people feel nothing for the leadership?", "feed the people"),
    ("Does he wish he had stayed in the North?", "no regrets"),
    ("What is the border strip between the two countries known for?", "most fortified"),
    ("Why are the two countries formally still in conflict?", "armistice rather than a peace treaty"),
    ("How does he describe his state of mind behind the wheel?", "not in the right mind"),
    ("Where could people watch footage of the newspaper interview?", "YouTube"),
    ("How does he describe himself now that he lives in the South?", "new person with a new name"),
    ("What could the rocket in theory reach?", "mainland United States"),
    ("How many people does the regime hold in prison camps?", "tens of thousands"),
]

UNANSWERABLE: list[str] = [
    "How tall is Oh Chong Song?",
    "What is the name of the town where Oh grew up?",
    "How long did Oh spend in hospital after the shooting?",
    "What job does Oh do in South Korea now?",
    "Which hospital treated Oh after he crossed?",
    "What is the name of the doctor who saved Oh's life?",
    "How many soldiers fired at Oh?",
    "What rank did Oh hold in the North Korean army?",
    "Is Oh married?",
    "How much money did South Korea give Oh when he arrived?",
    "How long is the Demilitarized Zone?",
    "What was the weather like on the day Oh escaped?",
    "What is the name of Oh's father?",
]
