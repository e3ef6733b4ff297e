"""Questions about the 19 real saved pages of ../shared/realnews, written by reading the pages
before any of them was asked of askdefector; never edited after seeing a result.

ANSWERABLE: (page file, question, text the first quote must contain). The questions use a
reader's words where the page's own would make it easy.
UNANSWERED: questions on the pages' topics that the pages don't answer: they should be declined.
FURNITURE: text of page furniture that no quote may ever contain.
"""

ANSWERABLE: list[tuple[str, str, str]] = [
    ("abc13.com-Copperfield.html", "How many salons does the chain run?", "25 locations"),
    ("abc13.com-Copperfield.html", "Who is in charge of the salon business now?", "Usman Hasib"),
    ("abc7news.com-Napa.html", "How much money would the resort developers put in?", "$95 million"),
    ("abc7news.com-Napa.html", "Which singer made the resort brand famous?", "Jimmy Buffett"),
    ("blog.python.org.html", "Where can readers learn about what changed in the release?", "for more information"),
    ("dw.com.colonial.html", "How long will Berlin's remembrance programme last?", "five-year project"),
    ("dw.com.colonial.html", "Which streets in Wedding are getting new names?", "Petersallee"),
    ("dw.com.uncork.html", "Which famous grape is the Frühburgunder related to?", "first cousin"),
    ("dw.com.uncork.html", "How much wine does the valley produce in a year?", "4.5 million bottles"),
    ("en.wikipedia.org.tsne.html", "Who invented t-SNE?", "Laurens van der Maaten"),
    ("github.blog.spiceland.html", "Which company employs Erin Spiceland?", "SpaceX"),
    ("github.blog.spiceland.html", "Why did she quit her degree?", "dropped out of college"),
    ("heise.de.lithium.html", "Wie viel des Materials kann Duesenfeld wiederverwerten?", "96 Prozent"),
    ("japantimes.co.jp.surgical.html", "What were the stolen masks worth?", "¥40,000"),
    ("japantimes.co.jp.surgical.html", "In which part of the hospital were the masks kept?", "machine room"),
    ("knowtechie.com.rally.html", "When does the new Rocket Pass finish?", "December 4"),
    ("knowtechie.com.rally.html", "How much does the Rocket Pass cost?", "10 keys"),
    ("kulu-media.com.meta-outage.html", "How many people reported Facebook problems at the worst point?", "104,000"),
    ("mercurynews.com.2023.01.16.letters-1119.html", "Which prosecutor is accused of being soft on crime?", "Pamela Price"),
    ("mercurynews.com.2023.01.16.letters-1119.html", "How many lorries a day would use Lake Chabot Road?", "60 to 100 dump trucks"),
    ("nationalgeographic.co.uk.goats.html", "Which animals did the miners leave on the island?", "goats, and rats"),
    ("nationalgeographic.co.uk.goats.html", "How long does the boat trip to Redonda take?", "four hours"),
    ("pcgamer.com.skyrim.html", "What did the player call her character?", "Sarah The Implausible"),
    ("stackoverflow.com.rust.html", "How long has Rust topped the survey as the most loved language?", "four years"),
    ("timesofisrael.com.washington.html", "Who is Washington's first Native American supreme court justice?", "Raquel Montoya-Lewis"),
    ("timesofisrael.com.washington.html", "Where was the new justice born?", "born in Spain"),
    ("wikimediafoundation.org.turkey.html", "Which court ruled that blocking Wikipedia was unconstitutional?", "Constitutional Court"),
]

UNANSWERED: list[str] = [
    "What does a haircut cost at Aisha's Salon and Spa?",
    "What is the annual salary of the Napa County Public Works Director?",
    "When will Python 3.7 be released?",
    "How many mice live on the island of Redonda?",
    "Which team won the Rocket League world championship?",
    "What is the population of Kobe?",
]

FURNITURE: list[str] = [
    "click here",
    "Read more:",
    "MORE:",
    "Submit your letter",
    "#GameTechie",
    "Editors’ Recommendations",
    "Newsletter",
    "Sign up",
    "Free Sign Up",
    "cookies",
]
