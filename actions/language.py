"""The reply language (PRODUCT.md §3): langdetect restricted to nl/fr/en, hardened for chat.

Short chat messages ("wa kost da", "c combien", "how much") carry too few character
n-grams for langdetect alone, and it is overconfident on them ("merci" comes out as English
with probability 1.0). So each message is scored by a small naive-Bayes combination:
a lexicon of very frequent chat and function words per language (typos, slang and Belgian
usage included), plus langdetect's probabilities softened according to how little text
there is, plus — for the words the lexicon does not know — lingua's confidence values
(lingua-language-detector, also restricted to nl/fr/en): its n-gram models of up to five
letters are far better than langdetect's on one or two words of general text ("oogpunt",
"remettre", "wisselgeheugen"). lingua is consulted only when a message has such words
(about a quarter of chat messages), and its models are loaded on the first of them.
Tokens that say nothing about the language (numbers, e-mail addresses, place
names, first names, "ok", emoji, acronyms) are dropped first; if nothing is left there is
no detection at all, so such messages can never flip the language of a conversation.
A message of nothing but a greeting ("hello", "hoi", "salut") decides a first message in
the greeting's language, but is never confident enough on its own to flip one in use
unless it already was ("bonjour", "goeiemiddag").
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import LangDetectException
from langdetect.utils.lang_profile import LangProfile
from lingua import Language, LanguageDetector, LanguageDetectorBuilder

from passerelle_settings import DEFAULT_LANGUAGE, LANGUAGES

FALLBACK_LANGUAGE = DEFAULT_LANGUAGE.value

# A first decision (no language in use yet) needs a clear winner; flipping a language that
# is already in use needs more, and more still the fewer words the message has.
FIRST_DECISION_CONFIDENCE = 0.5
FLIP_CONFIDENCE_BY_WORDS = {1: 0.85, 2: 0.8}
FLIP_CONFIDENCE_LONGER = 0.75

# Likelihood of a lexicon word in a language it does not belong to (relative to 1.0).
OFF_LANGUAGE_LIKELIHOOD = 0.05
# langdetect is mixed with a uniform distribution: much for one word, less for longer text.
LANGDETECT_SMOOTHING_BY_WORDS = {1: 0.7, 2: 0.5, 3: 0.35}
LANGDETECT_SMOOTHING_LONGER = 0.25
# lingua's weight is LINGUA_WEIGHT times the share of words the lexicon does not know (0 for
# a message it knows entirely: lingua is then not even called); langdetect's weight shrinks
# by LANGDETECT_YIELD times that share. lingua is mixed with a little uniform distribution
# so that one confidently wrong value cannot veto a language. Tuned on
# tests/data/langid_words_dev.jsonl and langid_dev.jsonl.
LINGUA_WEIGHT = 3.0
LINGUA_SMOOTHING = 0.1
LANGDETECT_YIELD = 0.5
MAX_TEXT_CHARS = 1000


@dataclass(frozen=True)
class Detection:
    """The language of one message, or None when the message says nothing reliable."""

    language: str | None
    confidence: float
    reason: str
    words: int = 0  # content words the decision rests on
    supporting: int = 0  # lexicon words that favour this language over the other two


# --- lexicon ---------------------------------------------------------------------------------
# The most frequent words of each language (the top of the wordfreq lists, words about as
# frequent in two languages listed under both) plus chat spellings, slang and Belgian usage.
# Lower-case, accents optional (lookups strip them). WEIGHTED overrides words that lean to
# one language but are common in another here too (Flemish "merci", "sorry", "allez").

DUTCH = """
'n 't aan aanmelden aanmelding aantal achter adres af afgelopen afgestudeerd ajb al alle alleen
allemaal alles allez als alsjeblieft alstublieft altijd amai amerikaanse ander andere anders
antwoord artikel asjeblieft astublieft attest aub autisme autist autistisch auto awel azo bang
bedankt bedrijf bedrijven beetje begeleiding begin beginnen begon begrijp begrijpen begrijpt
bekend belangrijk bellen ben bent best bestaat beste betaal betaald betaalt betalen betekent
beter bezig bij bijna bijvoorbeeld binnen blij blijft blijven boek boven brengen broer buiten
bus centen coderen computer computers cursus cursussen da da's daaag daag daar daarna daarom
dag dagen dan dank dankje dankjewel danku dankuwel das dat de deed deel deeltijds dees delen
den denk denken denkt der deze dezelfde dichtbij die dienen dingen diploma diplomas dit doe
doei doeii doen doet dom dood door drie drinken druk duidelijk dus echt echte echter een eens
eerder eerst eerste efkes eigen eigenlijk einde elk elkaar elke en enal engels enige enkele
enzo enzovoort er erbij erg erover ervaring eten euro even eventjes ewa examen examens excuseer
familie fiets firma foto foto's frans ga gaan gaat gade gaf ge gebied gebruik gebruiken
gebruikt gedaan geef geeft geen gegevens gehad geld geleden geleerd gelijk gemaakt gemakkelijk
gemeente gene genoeg geplaatst geraak geraken gerust gestopt getuigschrift geval geven gevonden
geweest gewoon gezien gie gij ging gisteren goe goed goede goedemiddag goedemorgen goedenavond
goedendag goeie goeiedag goeiemiddag goeiemorgen goeienavond goeiendag goesting graag gratis
groep groetjes groot grootste grote gy haar had hadden halen half halftijds hallo hand hard heb
hebben hebde hebt heeft heel heet heey hele helemaal help helpen helpt hem hen het heten hey
hier hij hoe hoe's hoelaat hoelang hoeveel hoeveelste hoezo hoi hoofd hoop hoor horeca horen
hou houden houdt huis hulp hun idee ieder iedereen iemand iets ik in infosessie ingeschreven
inschrijven inschrijving interim is ja jaa jaar jaren je jep jij jobstudent jong jonge jou jouw
juist julle jullie jup k kamer kan kans kant kben kdacht kdenk keer kga kheb kijk kijken kik
kind kinderen kindje kkan klaar klas klein kleine klinkt kmag kmoet kom komen komt kon kost
kosten kostte kreeg krijg krijgde krijgen krijgt kun kunde kunnen kunt kvind kwam kweet kwil
kwist kzal kzen kzou laat laatste land landen lang lange langs laptop laten later leeftijd leer
leerkracht leerkrachten leert lekker leraar leren les lesgever lesgevers lessen leuk leuke
leven lezen lief liever lig liggen ligt lijkt locatie loon lopen lukken lukt m'n ma maak maakt
maakte maand maandag maanden maar maat mag magde maken makkelijk makker mama man manier mannen
me mee meebrengen meer meest meeste meisje meisjes men mens mensen merci met middelbaar mij
mijn mijne miljoen minder minuten mis misschien misschn mn moe moeder moeilijk moest moet moete
moeten mogelijk mogen moment mooi mooie morgen motivatie mss muziek na naam naar naast nadat
nadenken natuurlijk ne nederlands nee neem neen nemen nen nene net ni nie niemand niet niets
nieuw nieuwe nieuws niks niveau nodig nog nooit noord nou nu nummer oei oeps of ofwa ofzo om
omdat onder ongeveer ons onze ooit ook oorlog op open opleiding opleidingen opnieuw orde oud
oude ouders over pa paar papa papieren pardon partij per persoon plaats plaatsen praat praten
precies prijs probleem problemen programma programmeren programmeur recht reden regio rond saai
salukes saluut samen scholen school schrijf schrik sebiet secundair seffens seg selectie
serieus sessie sfeer simpel sinds slaapwel slecht slechte slechts slim snap snappe snappen
snapt snel solliciteren sommige soms soort sorry sorryy spelen spreek spreekt spreken sry sta
staan staat stad start starten steeds stond stop stoppen straks streng stress studeer student
studeren studies t tais te tegen telefoon ten ter terug terugbetaald terwijl thuis tijd tijdens
tis toch toe toen toets tof toffe tot traag trein tussen tuurlijk twee tweede u uit uitkering
uren uur uw vaak vacature vader vakantie van vanaf vandaag vanuit vast veel vele ver verder
verdien verdienen verdient vergoeding verhaal verschillende versta verstaan verstaat vervoer
verwijder verwijderen via vier vijf vind vinden vindt vlaams vlaanderen vol volgen volgende
volgens voltijds vond voor vooral vooruit vraag vraagt vragen vriend vrienden vriendin vrij
vrije vroeg vrouw vrouwen wa wa's waar waarbij waarin waarom wablief wablieft wachten wadde
wadist wanneer want waren was wat water we week weer weet weette weg weinig weken wel welk
welke welkom werd werden wereld werk werken werkloos werkloosheid werkt werkzoekend
werkzoekende weten wie wij wil wilde willen wilt wiskunde wnnr wnr wonen woon woont worden
wordt wreed wreeed wrm wrom zag zaken zal zaterdag ze zeer zeg zegde zeggen zegt zei zeker zelf
zelfs zen zet zetten zich zie ziek zien ziens ziet zij zijde zijn zijt zin zit zitten zker zo
zo'n zoals zodat zoek zoeken zondag zonder zoon zorg zorgen zot zotte zou zouden zoudt zoveel
zowel zuid zulde zullen zult zus zwaar één
"""

FRENCH = """
a abandonne abandonner accompagnement accord adresse afin age agit ah ai aide aider aidez
ailleurs aime ainsi air aller allez alloc allocations allons alors ambiance ami amie amis amour
ancien anglais année années ans appeler appelle apprend apprendre appris apres après argent
arrete arreter arrive arrête arrêter arrêté as assez attend attends au aucun aucune auj
aujourd'hui aujourdhui aura aurait aussi autant autisme autiste autre autres aux avaient avais
avait avant avec avez avoir avons ayant bac bah bas bcp beau beaucoup belle ben besoin bien
bientot bientôt bisous bjr boite bon bonjour bonne bonsoir bosse bosser boulot boîte bref bsr
bus c c' c'est c'était ca candidature capte capté car cas cause cava cb cc ce cela celle celui
certaines certains certificat ces cess cest cet cetait cette ceux chambre chaque chaud chaude
chef chez choix chomage chose choses chui chuis chômage ci cinq cmt coder combien comme
commence commencer comment comprend comprends compris compte conseil contre cool copain copine
corps coucou coup cours course court coute coûte coûter cpas crois ct côté d' d'accord dac dacc
daccord dans daron daronne de debut deja demain demande demander depuis dernier dernière des
desole dessus deux deuxième devant devez devrait difficile dimanche diplome diplomes diplôme
dire dis dois doit donc donne donnees donner donné données dont doute droit dsl du dur dure dès
début déjà désolé eau ecole effet elle elles en encore enfant enfants enfin ennuyant ennuyeux
ensemble ensuite entre entreprise entreprises es est et ete etes etre etudie eu eux excuse
excusez exemple experience expérience face facile faire fais fait fallait famille faut façon
femme femmes fille fils fin flamand fois font force formation formations forme fort francais
français française frere frero frr frère fut g gagne gagner garde garder gauche genial genre
gens grand grande grands gratos gratuit gratuite grave gros groupe grâce génial habite habites
haut hein heure heures hier histoire homme hommes humain humanités ia ici idée il ils important
importe information inscription inscrire inscris inscrit inscrite inscrits intelligent
interesse interessé intéresse intéressé j' j'ai j'habite jai jamais jcomprends jconnais jcrois
je jeu jeune jeunes jouer jour journee journée jours jpense jpeux jsais jsp jsui jsuis jusqu'à
juste jvais jveux ki koi l' la lache laché laisse laquelle large le lequel les leur leurs lieu
ligne limite lire livre loin long longtemps lors lorsque lui lundi là lâché m' m'appelle
m'inscrire m'interesse m'intéresse ma machin main maintenant mais maison mal malade maman
manger manière marché maths matin mdr mdrr me meilleur membres merci mercii merde mere mes
mettre mi mieux minutes mis mise moi moi-même moins mois moment mon monde mort mot moyen mrc
mtn musique mère même nan ne neerlandais ni nickel niveau nn nom nombre non nord nos notamment
notre nous nouveau nouvelle nouvelles nuit nul nulle numero numéro néerlandais ok okk oklm on
ont or ordi ordinateur ordre ou ouai ouaiis ouais oui où papa par parce pardon parfait parfois
parle parler parmi part partant partante partie partir pas passe passer passé payant payante
paye payer pays payé pcq peine pendant pense perdre perds pere permet personne personnes petit
petite peu peur peut peuvent peux pige pk place places plait plaît plein plus plusieurs plutôt
point points police politique porte possible postuler pote potes pour pourquoi pourrait pouvez
pouvoir pouvons pq pr premier première prend prendre pres presque prete pris prix problème
proche prof profs programmation programmer près prête psq ptdr ptdrr ptn pu puis putain père qd
qu qu' quand quatre que quel quelle quelles quelqu'un quelque quelques quelquun quels question
questions qui quoi raison ramener ramène rapport recherche recoit reflechir reflechis rembourse
remboursé repeter reste retour reussir revoir reçoit rheto rhéto rien robot rue réfléchir
réfléchis région répéter réussir s'il sa sais saison sait salut samedi sans santé savez savoir
se seance secondaire selection selon semaine semaines semble sens sera serait serieux seront
services ses seul seule seulement si sil simple situation slt social soeur soir soiree soirée
soit sommes son sont sous souvent stp sud suis suite suivant sujet supprime supprimer sur
surtout svp sympa séance sécurité sélection série sérieux sûr t' t'appelles t'as t'es
t'inquiete ta taf taff tant tantot tantôt tard tas te tellement temps terre tes thune titre
tjrs tjs tkt toi ton toujours tous tout toute toutes train tranquille transport travail
travaille travailler tres trois trop trouve trouver truc trucs très tt tu tête tôt ui un une
unis va vacances vais vas vas-y vasy venez venir venu vers veut veux veux-tu vidéo vie vieille
viens vient vieux ville vis vite voila voilà voir vois voit voiture voix vol vont vos votre
voudrai voudrais voulez vous vrai vraiment vrm vrmt vu vue wesh wi wsh y y'a ya yeux âge ça
ça-va école écrit également époque étaient étais était étant étudiant étudiante étudie été êtes
être
"""

ENGLISH = """
a able about act actually address afraid after again against age ago ain't aint air all almost
along already alright also although always am among an and another any anyone anything anytime
application apply are area aren't arent around as ask asked at autism autistic away awesome
back bad based bc be because become been before begin being believe benefits best better
between big bit body book boring bot both bring brother btw build but buy by bye call called
came can can't cant car care case catch cause certificate change check child children city
class classes close coding come comes coming community companies company computer computers
control cool cost costs could couldn't count country course courses court coz cuz dad data day
days deal death degree development did didn't didnt different difficult diploma do does doesn't
doesnt doing don't done dont down dropped due dunno during dutch each early earn easy either
else end english enough even evening ever every everyday everyone everything exam exams
experience face fact family far feel few find fine first five following food for force form
found four free french friend friends from fuck fucking full fun further future gamer general
get getting gimme girl give given go going gonna good goodbye got gotta great group guy guys
had half hand happy hard has hasn't hate have haven't having he he's head heart hello help her
here hey heyy hi high him his history hit holiday holidays home hope hour hours house how how's
however hows human i i'd i'll i'm i've idea idk if ill im imo important in including info
information internship into is isn't isnt it it's its ive job jobseeker join joining just keep
kid kids kind kinda know known land laptop large last late later learn learning least leave
left lemme less let let's lets level life light like line little lmao local lol long look
looking looks lost lot love low made main make makes making man many math maths matter may
maybe me mean means members men might mind mine minutes mom moment money month months more
morning most move much must my myself nah name near need needs never new next ngl nice night no
nope north not nothing now number of off office often ok okay old on once one only open or
order other others our out over own paid part past pay people per person place play playing
please pls plz point points police possible pretty price probably problem programming put
question questions quit r rather read ready real really reason register registered remember
report research restaurant right robot room run said same saw say saying says scared school
second see seen selection series seriously services session set several shall she shit short
should show sick side sign simple since single sister situation small smart so social some
someone something soon sorry sorta sounds south speak special spot spots start started state
stay still stop strict studying such sup support sure system take taken taking talk taught tbh
teach teacher teachers tell temp ten than thank thanks that that's the their them then there
there's these they they're thing things think thinking third this those though thought three
through thx time times tired tnx to today together told too took train transport true try
trying turn two ty u under understand unemployed university until up ur us use used using very
vibe visit wait wanna want wanted was wasn't wassup wat watch water way we we're week weeks
well went were weren't what what's whats when when's whens where where's wheres whether which
while who whole why will win with within without woman women won't wont work working world
worse would wrong y'all ya yea yeah year years yep yes yet you you're young your youre yours
yourself yup
"""

WEIGHTED: dict[str, dict[str, float]] = {
    "merci": {"fr": 1.0, "nl": 0.5},
    "mercii": {"fr": 1.0, "nl": 0.5},
    "sorry": {"en": 1.0, "nl": 0.8, "fr": 0.1},
    "sry": {"en": 1.0, "nl": 0.8},
    "hello": {"en": 1.0, "nl": 0.4, "fr": 0.3},
    "hi": {"en": 1.0, "nl": 0.5, "fr": 0.3},
    "hey": {"en": 1.0, "nl": 0.8, "fr": 0.3},
    "heyy": {"en": 1.0, "nl": 0.8, "fr": 0.3},
    "pls": {"en": 1.0, "nl": 0.5, "fr": 0.2},
    "plz": {"en": 1.0, "nl": 0.5, "fr": 0.2},
    "nice": {"en": 1.0, "nl": 0.5, "fr": 0.2},
    "thx": {"en": 1.0, "nl": 0.4},
    "tnx": {"en": 1.0, "nl": 0.8},
    "bye": {"en": 1.0, "nl": 0.4, "fr": 0.2},
    "allez": {"fr": 1.0, "nl": 0.8},
    "salut": {"fr": 1.0, "nl": 0.2},
    "pardon": {"fr": 1.0, "nl": 0.8},
    "lol": {"en": 0.6, "fr": 0.3, "nl": 0.4},
    "fun": {"en": 1.0, "nl": 0.4},
    "start": {"nl": 1.0, "en": 1.0},
    "help": {"en": 1.0, "nl": 0.8},
    "computer": {"en": 1.0, "nl": 1.0},
    "robot": {"nl": 1.0, "fr": 1.0, "en": 1.0},
    "wat": {"nl": 1.0, "en": 0.1},
    "pas": {"fr": 1.0, "nl": 0.4},
    "t": {"fr": 1.0, "nl": 0.6},
    "a": {"en": 1.0, "fr": 1.0},
    "bon": {"fr": 1.0},
    "mama": {"nl": 1.0, "fr": 0.3},
    "papa": {"nl": 1.0, "fr": 0.5, "en": 0.1},
    "bus": {"nl": 1.0, "fr": 1.0, "en": 1.0},
    "train": {"fr": 1.0, "en": 1.0},
    "age": {"en": 1.0, "fr": 1.0},
}

# Greetings: a message of nothing else (after names, emoji and "ok" are dropped) is decided
# in the greeting's language when it is the first message (PRODUCT.md §3). Lexicon words
# only, found the same way ("Hellooo", "hoiii").
GREETINGS = {
    "en": "hello hi hey heyy",
    "nl": """hallo hoi dag daag goeiedag goedendag goeiendag goeiemiddag goedemiddag goeiemorgen
    goedemorgen goedenavond goeienavond salukes""",
    "fr": "salut slt bonjour bjr bonsoir bsr coucou cc wesh wsh",
}

# Words that carry no language signal here: everyone in Belgium types them in every language.
NEUTRAL_WORDS = """
ok oke oké okay okey okee okido k kk kay haha hahaha hahah hihi hehe xd xdd omg wtf yo
wollah wallah walla wellah inchallah inshallah hamdoulah hamdullah sah bro brother broo
bruh top super cool chill lit goat ez gg rip
python java javascript js html css php sql react node git github linux windows mac apple
ai data web dev devops ict cv wifi internet online offline laptop pc gsm smartphone
iphone android app apps telegram whatsapp insta instagram tiktok snap snapchat discord
youtube google netflix fortnite fifa valorant minecraft roblox gaming game games gamer
bootcamp campus test info infos coach coaching module modules email e-mail mail gmail
hotmail sms job jobs passerelle becode vdab actiris forem cpas ocmw bruxelles-formation
campus stage stages parking ebike junior senior
"""

PLACE_NAMES = """
brussel bruxelles brussels brux bxl brussel-stad gent gand ghent antwerpen anvers antwerp
luik liege liège lieja charleroi leuven louvain mechelen malines namur namen mons bergen
hasselt brugge bruges kortrijk courtrai oostende ostende ostend aalst alost genk sint-niklaas
molenbeek schaerbeek schaarbeek anderlecht ixelles elsene etterbeek forest vorst jette
laeken laken uccle ukkel saint-gilles sint-gillis evere koekelberg ganshoren berchem
borgerhout deurne merksem hoboken wilrijk seraing verviers tournai doornik wavre waver
limburg wallonie wallonië wallonia vlaanderen flandre flanders belgie belgië belgique
belgium belgica europa europe maroc marokko morocco turquie turkije turkey congo
"""

FIRST_NAMES = """
mohamed mohammed mohammad mehmet ahmed ahmet ayoub adam amine yassine youssef yousef ilyas
ilias imran hamza bilal mehdi omar karim rayan ryan nassim anas zakaria ismail ibrahim sami
samir soufiane sofiane hicham nabil walid younes yanis ilyes ali hassan hussein mustafa
moussa mamadou ousmane abdel abdoul abdoulaye noah lucas louis liam arthur jules victor finn
lars jonas thomas kevin jordan dylan nathan maxime hugo leo léo theo théo tom milan sem
seppe wout jens brent robbe arne pieter jan jef jeroen bram stijn kobe senne lander tibo
tibe ruben vince matteo mattéo enzo nolan ethan gabriel raphael raphaël alexandre antoine
baptiste romain quentin florian julien nicolas simon emma olivia louise mila elena lina nora
sara sarah yasmine yasmina aya salma ines inès imane fatima fatma khadija amina nour hanna
hannah julie laura lotte lisa marie camille manon chloe chloé lea léa clara eva anna sofia
sofie lucie zoe zoé jade alice elise fien noor kaat amber jana lore febe hanne charlotte
margot pauline justine océane oceane maryam meryem mariam malak hiba rania dounia ikram
soukaina kenza lamia asma leila layla lucia maria ana diego carlos jose david daniel
michael mike alex alexander max benjamin samuel elias yusuf emir eren emre burak
"""

ELISION_PREFIXES = {"c", "j", "l", "d", "qu", "n", "m", "t", "s"}


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _build_lexicon() -> dict[str, dict[str, float]]:
    lexicon: dict[str, dict[str, float]] = {}
    for language, words in (("nl", DUTCH), ("fr", FRENCH), ("en", ENGLISH)):
        for word in words.split():
            lexicon.setdefault(_strip_accents(word), {})[language] = 1.0
    for word, weights in WEIGHTED.items():
        lexicon.setdefault(_strip_accents(word), {}).update(weights)
    return lexicon


LEXICON = _build_lexicon()
GREETING_LANGUAGE = {
    _strip_accents(word): language
    for language, words in GREETINGS.items()
    for word in words.split()
}
NEUTRAL = {
    _strip_accents(word)
    for words in (NEUTRAL_WORDS, PLACE_NAMES, FIRST_NAMES)
    for word in words.split()
}


# --- langdetect --------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def detector_factory() -> DetectorFactory:
    """A langdetect factory holding only the nl/fr/en profiles, seeded: built once per process."""
    factory = DetectorFactory()
    for index, language in enumerate(LANGUAGES):
        profile_file = Path(PROFILES_DIRECTORY) / language
        profile = LangProfile(**json.loads(profile_file.read_text(encoding="utf-8")))
        factory.add_profile(profile, index, len(LANGUAGES))
    factory.set_seed(0)
    return factory


def langdetect_probabilities(text: str) -> dict[str, float]:
    """langdetect's probabilities over nl/fr/en; uniform when it finds no features."""
    detector = detector_factory().create()
    detector.append(text)
    try:
        detector.get_probabilities()
    except LangDetectException:
        return {language: 1 / len(LANGUAGES) for language in LANGUAGES}
    # get_probabilities() drops languages under 0.1; the raw vector keeps all three.
    return dict(zip(detector.langlist, detector.langprob, strict=True))


# --- lingua ----------------------------------------------------------------------------------
LINGUA_LANGUAGES = {"nl": Language.DUTCH, "fr": Language.FRENCH, "en": Language.ENGLISH}


@lru_cache(maxsize=1)
def lingua_detector() -> LanguageDetector:
    """lingua restricted to nl/fr/en: built once per process, on the first message that needs
    it (loading its models takes about a second of CPU and some 130 MB)."""
    builder = LanguageDetectorBuilder.from_languages(*LINGUA_LANGUAGES.values())
    return builder.with_preloaded_language_models().build()


def lingua_probabilities(text: str) -> dict[str, float]:
    """lingua's confidence values over nl/fr/en; uniform when it finds nothing to go on."""
    values = {
        result.language: result.value
        for result in lingua_detector().compute_language_confidence_values(text)
    }
    probabilities = {code: values.get(lang, 0.0) for code, lang in LINGUA_LANGUAGES.items()}
    total = sum(probabilities.values())
    if total <= 0:
        return {language: 1 / len(LANGUAGES) for language in LANGUAGES}
    # Rounded: the last bits of lingua's values vary from call to call (summation order).
    return {language: round(value / total, 9) for language, value in probabilities.items()}


# --- tokens ------------------------------------------------------------------------------------
URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+\.(?:be|com|org|net|eu|io|fr|nl)\b\S*")
EMAIL_RE = re.compile(r"\S+@\S+")
PHONE_RE = re.compile(r"\+?\d[\d\s./()-]{5,}\d")
HANDLE_RE = re.compile(r"[@#]\w+")
APOSTROPHES_RE = re.compile(r"[’`´‘]")
TOKEN_RE = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*'?|'[^\W\d_]+")
REPEATS_RE = re.compile(r"(.)\1{2,}")


@dataclass(frozen=True)
class Token:
    text: str  # as typed, lower-cased (accents kept for langdetect)
    weights: dict[str, float] | None  # None: not in the lexicon
    key: str = ""  # the lexicon entry it was found under ("helloooo" -> "hello")


def content_tokens(text: str) -> list[Token]:
    """The message's words that can say something about its language."""
    text = APOSTROPHES_RE.sub("'", unicodedata.normalize("NFKC", text[:MAX_TEXT_CHARS]))
    for pattern in (URL_RE, EMAIL_RE, PHONE_RE, HANDLE_RE):
        text = pattern.sub(" ", text)
    shouting = not any(ch.islower() for ch in text)
    tokens: list[Token] = []
    for raw in TOKEN_RE.findall(text):
        if not shouting and raw.isupper() and 2 <= len(raw) <= 5:
            continue  # an acronym in normal text: VDAB, CPAS, IT, HTML
        tokens.extend(_classify(raw.lower()))
    return tokens


def _classify(word: str) -> list[Token]:
    key = _strip_accents(word)
    for candidate in (key, REPEATS_RE.sub(r"\1\1", key), REPEATS_RE.sub(r"\1", key)):
        if candidate in NEUTRAL:
            return []
        if candidate in LEXICON:
            return [Token(word, LEXICON[candidate], candidate)]
    if "'" in key.strip("'") or "-" in key:
        return _split_compound(word)
    if len(key.strip("'")) <= 1:
        return []  # a stray letter: "x", "h" from "9h"
    return [Token(word, None)]


def _split_compound(word: str) -> list[Token]:
    """Look the parts of "l'inscription", "qu'est-ce" or "peut-être" up one by one."""
    head, apostrophe, tail = word.partition("'")
    if apostrophe and _strip_accents(head) in ELISION_PREFIXES and tail:
        return [Token(head + "'", {"fr": 1.0}), *_classify(tail)]
    parts = [part for part in re.split(r"['-]", word) if part]
    return [token for part in parts for token in _classify(part)]


# --- detection ---------------------------------------------------------------------------------
def detect(text: str) -> Detection:
    """The language of one chat message, with a confidence in [0, 1]."""
    return _detect_cached(text.strip()[:MAX_TEXT_CHARS])


@lru_cache(maxsize=4096)
def _detect_cached(text: str) -> Detection:
    if not text:
        return Detection(None, 0.0, "empty")
    if text.startswith("/"):
        return Detection(None, 0.0, "payload")
    tokens = content_tokens(text)
    if not tokens:
        return Detection(None, 0.0, "no language signal")
    scores = language_scores(tokens)
    greeting = greeting_language(tokens)
    if greeting is not None:
        # Enough for a first message; a flip still needs the usual confidence.
        confidence = max(scores[greeting], FIRST_DECISION_CONFIDENCE)
        supporting = sum(_favours(token, greeting) for token in tokens)
        return Detection(greeting, confidence, "greeting", len(tokens), supporting)
    language = max(scores, key=scores.__getitem__)
    confidence = scores[language]
    if confidence < FIRST_DECISION_CONFIDENCE:
        return Detection(None, confidence, "ambiguous", len(tokens))
    supporting = sum(_favours(token, language) for token in tokens)
    reason = f"{supporting} of {len(tokens)} words are typical {language}"
    return Detection(language, confidence, reason, len(tokens), supporting)


def greeting_language(tokens: list[Token]) -> str | None:
    """The language of a message made of greetings only ("hello", "hoi hoi", "Salut !")."""
    languages = {GREETING_LANGUAGE.get(token.key) for token in tokens}
    if len(languages) == 1 and None not in languages:
        return languages.pop()
    return None


def _favours(token: Token, language: str) -> bool:
    if token.weights is None:
        return False
    weight = token.weights.get(language, 0.0)
    return all(weight > token.weights.get(other, 0.0) for other in LANGUAGES if other != language)


def language_scores(tokens: list[Token]) -> dict[str, float]:
    """Posterior over nl/fr/en: lexicon likelihoods times softened langdetect probabilities,
    times lingua's (to a power that grows with the share of words the lexicon lacks)."""
    text = " ".join(token.text for token in tokens)
    smoothing = LANGDETECT_SMOOTHING_BY_WORDS.get(len(tokens), LANGDETECT_SMOOTHING_LONGER)
    detected = langdetect_probabilities(text)
    unknown_share = sum(token.weights is None for token in tokens) / len(tokens)
    lingua = lingua_probabilities(text) if unknown_share else None
    langdetect_weight = 1 - LANGDETECT_YIELD * unknown_share
    log_scores = {}
    for language in LANGUAGES:
        softened = (1 - smoothing) * detected[language] + smoothing / len(LANGUAGES)
        log_score = langdetect_weight * math.log(softened)
        if lingua is not None:
            mixed = (1 - LINGUA_SMOOTHING) * lingua[language] + LINGUA_SMOOTHING / len(LANGUAGES)
            log_score += LINGUA_WEIGHT * unknown_share * math.log(mixed)
        for token in tokens:
            if token.weights is not None:
                weight = token.weights.get(language, 0.0)
                log_score += math.log(weight + OFF_LANGUAGE_LIKELIHOOD)
        log_scores[language] = log_score
    top = max(log_scores.values())
    exp_scores = {language: math.exp(score - top) for language, score in log_scores.items()}
    total = sum(exp_scores.values())
    return {language: score / total for language, score in exp_scores.items()}


# --- the decision of PRODUCT.md §3 ---------------------------------------------------------------
def _detection_wins(detection: Detection, current: str | None) -> bool:
    if current is None or detection.language == current:
        return True
    # Flipping the language in use needs a higher bar and at least one typical word:
    # langdetect alone is too easily fooled by names, code and typos.
    return detection.confidence >= flip_confidence(detection.words) and detection.supporting > 0


def flip_confidence(words: int) -> float:
    """Confidence a detection needs to replace the language already in use."""
    return FLIP_CONFIDENCE_BY_WORDS.get(words, FLIP_CONFIDENCE_LONGER)


def language_from_telegram_code(code: str | None) -> str | None:
    """Telegram's IETF tag ("nl", "nl-BE", "fr-BE", "en-US") as nl/fr/en; None for others."""
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return primary if primary in LANGUAGES else None


def choose_language(
    text: str,
    *,
    explicit: str | None,
    current: str | None,
    telegram_code: str | None,
    default: str,
) -> str:
    """The reply language: explicit choice → confident detection → language in use →
    Telegram language_code → default."""
    if explicit in LANGUAGES:
        return explicit
    current = current if current in LANGUAGES else None
    detection = detect(text)
    if detection.language is not None and _detection_wins(detection, current):
        return detection.language
    if current is not None:
        return current
    from_telegram = language_from_telegram_code(telegram_code)
    if from_telegram is not None:
        return from_telegram
    return default if default in LANGUAGES else FALLBACK_LANGUAGE


def dominant_language(texts: Iterable[str], current: str) -> str:
    """The language a person wrote most in (content words of confident detections): the
    language of their lead, for staff. A reply of a few words in another language ("c'est
    bon", "waar waren we") does not make an English writer French. `current` breaks ties."""
    words_by_language: Counter[str] = Counter()
    for text in texts:
        if not text or text.lstrip().startswith("/"):
            continue
        detection = detect(text)
        if detection.language is not None and detection.supporting > 0:
            words_by_language[detection.language] += detection.words
    if not words_by_language:
        return current
    best = max(words_by_language.values())
    leaders = [language for language, count in words_by_language.items() if count == best]
    return current if current in leaders else leaders[0]
