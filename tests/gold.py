"""Questions about the two shipped articles, written by hand from their text.

Each answerable question names text that the first quote must contain; the unanswerable ones
are about things neither article says and must be declined.
"""

ANSWERABLE: list[tuple[str, str]] = [
    ("How many times was he shot?", "five times"),
    ("Who shot him?", "comrades shot him"),
    ("Does he blame the soldiers who shot him?", "does not blame his former colleagues"),
    ("When did he cross the border?", "November"),
    ("On what date did he make his dash?", "13, 2017"),
    ("What vehicle was he driving?", "green jeep"),
    ("What did surveillance cameras capture?", "surveillance cameras captured"),
    ("How many people have defected from North Korea since the Korean War?", "30,000"),
    ("How old is Oh Chong Song?", "25"),
    ("What share of young North Koreans are not loyal to Kim Jong Un?", "80%"),
    ("Which newspaper interviewed him?", "Sankei Shimbun"),
    ("When did he join the army?", "2010"),
    ("Does he regret defecting?", "no regrets about defecting"),
    ("What did the doctor who saved him say?", "broken jar"),
    ("What would have happened if he had been caught?", "concentration camp"),
    ("Whose son is Oh?", "son of a general"),
    ("What did the United Nations report say?", "strikingly similar"),
    ("What missile did Pyongyang test after he crossed?", "intercontinental ballistic missile"),
    ("What nuclear test happened a month before his escape?", "most powerful nuclear test"),
    ("Are the two Koreas still at war?", "state of war"),
    ("Why did he start drinking?", "altercation with friends"),
    ("What is the Demilitarized Zone?", "most fortified frontiers"),
    ("Through which village did he make the dash?", "Panmunjom"),
    ("Why does he understand the soldiers who fired at him?", "same thing"),
    ("How fast was he driving?", "very high speed"),
    ("What is his new identity in South Korea?", "new person with a new name"),
    ("Why did he decide to cross the border rather than go back?", "executed if I went back"),
    ("What happens to guards who don't shoot at a defector?", "severely punished"),
    ("What does the video of the interview show?", "hand and torso"),
    ("Where is the truce village where troops come face-to-face?", "face-to-face"),
]

UNANSWERABLE: list[str] = [
    "What is the capital of France?",
    "Who won the 2018 FIFA World Cup?",
    "How do I bake sourdough bread?",
    "What is the boiling point of water at sea level?",
    "Which programming language was released by Guido van Rossum?",
    "What is the population of Brazil?",
    "Who painted the Mona Lisa?",
]
