"""Which language a report is written in, Dutch or English, told offline from its words.

A report is a line or two, often without a single function word ("overflowing bin",
"lantaarnpaal kapot"), which is where general-purpose detectors guess. So: words that say
Dutch or English in reports about public space (function words and the problems residents
report), counted; for a word in neither list, the letter pairs Dutch has and English lacks.
Nothing is downloaded or trained: the lists are here. Words both languages spell the same
("is", "in", "was", "container", "park", "water") count for neither.

The answer is None where the text does not tell (no telling words, or about as many of each):
the caller decides then, Dutch by default.
"""

import re

_WORD = re.compile(r"[a-zà-öø-ÿ]+(?:'[a-z]+)?")


def _words(listing: str) -> frozenset[str]:
    return frozenset(listing.split())


ENGLISH = _words(
    """
    the a an and or to on at by with from for near next behind front outside inside across
    along around into onto about above below under up down out off through between against
    there here this that these those it its it's they them their theirs we our ours i i'm
    i've my mine you your he she his her who what when where why how which whose are were
    been be being am has have having does did do doing done not no nor can cannot could will
    would should shall may might must please again still since already yet ever never always
    just only also very too so but if because while until than then every some any more most
    much many lot lots few other another each all both either neither someone somebody
    anyone nobody people everyone something nothing anything everything broken full empty
    dumped left road roads street streets sidewalk pavement path bin bins trash rubbish
    garbage waste litter light lights streetlight streetlamp pothole potholes tree trees
    branch branches fallen dead noise noisy loud car cars bike bikes bicycle bicycles parked
    abandoned sign signs traffic leaking leak flooded flooding smells smell awful dangerous
    children kids playground corner building buildings house houses home apartment flat's
    neighbour neighbours neighbor neighbors night day days morning evening today yesterday
    tonight week's weeks monday tuesday wednesday thursday friday saturday sunday hole holes
    crack cracked loose tiles tile stuck working work works damaged missing stolen
    overflowing collected picked emptied blocked clogged dog dogs poop droppings rats mice
    grass weeds fence bench bridge stairs sewer drain drains gutter graffitied vandalised
    vandalized burning burnt fire smoke glass shards needles please thanks thank help fix
    fixed repair repaired replace replaced check someone's keeps keep kept put putting throw
    thrown thrown away lying lies standing stands hanging hangs gone come comes coming going
    get gets got make makes made take took see saw seen look looks looking need needs needed
    want wants like there's it's that's don't doesn't didn't isn't aren't wasn't weren't
    can't won't couldn't shouldn't hasn't haven't nuisance music fell fall falls lamppost
    post wreck lane
    """
)

DUTCH = _words(
    """
    de het een en van op aan bij met voor naar naast achter tegenover onder langs uit om te
    tot dat die deze dit er hier daar zijn wordt worden werd werden heeft hebben hadden al
    nog niet geen wel ook maar als want omdat dan toen nu weer meer erg heel zeer veel mijn
    onze ons wij ik je jij jullie hij zij ze hun hem haar wie wat waar wanneer waarom hoe
    welke kan kunnen moet moeten mag mogen zal zullen zou zouden graag gaarne svp
    alstublieft bedankt dank sinds dagen weken maanden kapot vol leeg stuk los gevallen
    omgevallen vies smerig gevaarlijk straat weg stoep fietspad fietspaden stoeptegel
    stoeptegels tegel tegels lantaarnpaal lantaarnpalen straatlantaarn verlichting licht
    lamp's boom bomen tak takken afval vuil zwerfvuil grofvuil vuilnis vuilniszak
    vuilniszakken zak zakken bak bakken prullenbak afvalbak gat gaten kuil kuilen overlast
    geluid lawaai herrie fiets fietsen geparkeerd verkeersbord bord borden kinderen kind
    speeltuin hond honden hondenpoep poep ratten muizen gras onkruid lekt lekkage stinkt
    stank avond nacht ochtend vandaag gisteren morgen maandag dinsdag woensdag donderdag
    vrijdag zaterdag zondag hoek gebouw huis woning buren iemand mensen alles iets niets
    niemand gedumpt achtergelaten geleegd opgehaald verstopt gemaakt zit zitten staat staan
    ligt liggen gaat gaan komt komen hangt hangen doet doen brandt werkt werken kijken
    graffiti's bekladding brug bankje hek hekken riool put putten goot drempel kruispunt
    rotonde parkeerplaats plein gracht sloot vijver fontein bushalte tram trein station
    alweer steeds nooit altijd even gewoon echt helemaal bijna ongeveer zelfs meteen snel
    gelieve aub kunt kun wilt wil willen zien gezien gemeld melden melding
    """
)

# Letter pairs common in Dutch words and rare in English ones: they tell for a word that is
# in neither list (compounds such as "stoeptegelverzakking").
_DUTCH_LETTERS = ("ij", "aa", "uu", "oe", "sch")
_ENGLISH_LETTERS = ("th", "wh", "ck")


def language_scores(text: str) -> tuple[float, float]:
    """(Dutch, English): how much of the text speaks for each."""
    dutch = english = 0.0
    for word in _WORD.findall(text.lower()):
        in_dutch, in_english = word in DUTCH, word in ENGLISH
        if in_dutch or in_english:
            dutch += in_dutch and not in_english
            english += in_english and not in_dutch
        elif word.endswith("n't"):
            english += 1
        elif len(word) > 3:
            # Half a word's weight: a name ("Lindenlaan", "Schoolstraat") has them too.
            dutch += 0.5 * any(pair in word for pair in _DUTCH_LETTERS)
            english += 0.5 * any(pair in word for pair in _ENGLISH_LETTERS)
    return dutch, english


def language_detect(text: str) -> str | None:
    """ "nl" or "en" where the words say so clearly; None where they do not."""
    dutch, english = language_scores(text)
    # English needs the clearer lead: a Dutch report borrows English words, rarely the reverse.
    if english >= 1 and english >= 1.5 * dutch + 1:
        return "en"
    if dutch > english:
        return "nl"
    return None


def language_choose(text: str, *, hint: str | None = None) -> str:
    """The language to answer a report's writer in: what the text says; where it does not
    tell, the hint (the language the writer's app asked for, Accept-Language); else Dutch."""
    return language_detect(text) or (hint if hint in ("nl", "en") else "nl")
