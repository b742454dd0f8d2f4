"""Word lists behind the features, kept in one place so they can be read and tuned together.

All entries are lowercase; multi-word entries are matched as token sequences at a sentence's start
(transitions) or anywhere in it (other markers).
"""

import re
from collections.abc import Iterable

# Discourse markers that open a sentence or clause and tie it to what came before.
TRANSITIONS: dict[str, str] = {
    # contrast
    "however": "contrast", "yet": "contrast", "nevertheless": "contrast",
    "nonetheless": "contrast", "on the other hand": "contrast", "on the contrary": "contrast",
    "in contrast": "contrast", "conversely": "contrast", "despite this": "contrast",
    "even so": "contrast", "although": "contrast", "while": "contrast", "whereas": "contrast",
    "instead": "contrast", "still": "contrast", "but": "contrast",
    # addition
    "moreover": "addition", "furthermore": "addition", "in addition": "addition",
    "additionally": "addition", "also": "addition", "similarly": "addition",
    "likewise": "addition", "besides": "addition", "what is more": "addition",
    # cause and consequence
    "therefore": "consequence", "thus": "consequence", "consequently": "consequence",
    "as a result": "consequence", "hence": "consequence", "because of this": "consequence",
    "for this reason": "consequence", "accordingly": "consequence", "so": "consequence",
    # sequence and time
    "firstly": "sequence", "first": "sequence", "secondly": "sequence", "second": "sequence",
    "thirdly": "sequence", "finally": "sequence", "lastly": "sequence", "then": "sequence",
    "afterwards": "sequence", "subsequently": "sequence", "meanwhile": "sequence",
    "after": "sequence", "before": "sequence", "later": "sequence", "eventually": "sequence",
    "by": "sequence", "during": "sequence",
    # example and emphasis
    "for example": "example", "for instance": "example", "in particular": "example",
    "indeed": "emphasis", "in fact": "emphasis", "above all": "emphasis",
    # conclusion
    "in conclusion": "conclusion", "to conclude": "conclusion", "overall": "conclusion",
    "in summary": "conclusion", "to sum up": "conclusion", "ultimately": "conclusion",
    "all in all": "conclusion", "in short": "conclusion",
}
# "After 1945…", "By 1932…", "During the war…" date a sentence rather than link it: in an
# essay's transitions these words count only in phrases that point back. (The argument model,
# trained on TRANSITIONS as they are, still reads them as sequence markers.)
DATING_WORDS = frozenset({"after", "before", "by", "during"})
POINTING_BACK_SEQUENCE: dict[str, str] = {
    "after this": "sequence", "after that": "sequence", "before this": "sequence",
    "before that": "sequence", "by then": "sequence", "by this time": "sequence",
    "during this time": "sequence", "during this period": "sequence",
    "at the same time": "sequence"}
# Phrases that link only where they open a sentence: "At the same time, …" points back at what
# came before; "… talk to them at the same time" means "together".
OPENING_ONLY = frozenset({"at the same time"})
LINKING_TRANSITIONS: dict[str, str] = {
    k: v for k, v in TRANSITIONS.items() if k not in DATING_WORDS} | POINTING_BACK_SEQUENCE
CONCLUSION_MARKERS = frozenset(k for k, v in TRANSITIONS.items() if v == "conclusion")
# Markers that only make sense after something: an essay cannot open with them.
CONTINUATION_MARKERS = frozenset(
    k for k, v in TRANSITIONS.items() if v in {"consequence", "addition", "conclusion"}
) | {"however", "nevertheless", "nonetheless", "on the other hand", "on the contrary",
     "in contrast", "despite this", "even so", "secondly", "thirdly", "finally", "lastly"}

# Words that take a position: evaluation, significance, causation, degree.
EVALUATIVE = frozenset("""
success successful successfully failure fail failed unsuccessful significant significance
important importance major main primary crucial decisive key central vital essential effective
ineffective necessary unnecessary justified unjustified brutal ruthless devastating disastrous
catastrophic beneficial harmful costly impressive remarkable limited extensive considerable
great greater greatest largely mainly primarily mostly partly partially chiefly responsible
valid invalid legitimate illegitimate achievement achieve achieved inevitable rapid dramatic
progress progressive backward modern modernise modernize transform transformed transformation
undermine undermined strengthen strengthened weaken weakened worth justify outweigh outweighed
""".split())
CAUSAL = frozenset("""
cause caused causes lead led leads result resulted results drive drove driven enable enabled
force forced allow allowed produce produced create created bring brought contribute contributed
trigger triggered provoke provoked prompt prompted shape shaped determine determined
""".split())
CONCESSION = frozenset("""
although though while whereas despite even if but however yet
""".split())
# Announcements describe the essay instead of arguing ("In this essay I will talk about ...").
ANNOUNCEMENT_PHRASES = (
    "this essay will", "in this essay", "i will talk", "i will discuss", "i will write",
    "i am going to", "this paper will", "i will explain", "i will be", "this essay is about",
)
STANCE_PHRASES = (
    "i argue", "i would argue", "i will argue", "this essay argues", "it can be argued",
    "it is clear that", "to a great extent", "to a large extent", "to some extent",
    "to a limited extent", "more than", "rather than", "not only", "at the cost of",
    "at the expense of", "in order to",
)
# Absolute or sweeping wording that needs support when it is not the essay's thesis.
SWEEPING = frozenset("""
always never everyone everybody nobody noone all none every clearly obviously undoubtedly
certainly definitely surely completely totally entirely absolutely best worst greatest only
""".split())
OPINION_PHRASES = ("i think", "i believe", "i feel", "in my opinion", "i know")
# Spoken, informal wording: a sentence using it is never praised as well built.
INFORMAL_PHRASES = (
    "i think", "really", "very good", "very bad", "pretty", "kind of", "sort of", "loads",
    "lots of", "a lot", "alot", "stuff", "thing", "things", "basically", "okay", "ok", "gonna",
    "wanna", "kinda", "cool", "awesome", "totally", "got", "a bit", "fed up", "bossed",
    "annoyed", "you know", "etc", "way too", "big deal", "kids", "guys", "mess", "huge",
    "though ,", "though .", "had enough", "too big", "far too much",
)

# Phrases that turn evidence into analysis.
ANALYSIS_PHRASES = (
    "this shows", "this meant", "this means", "this demonstrates", "this suggests",
    "this proves", "this reveals", "this illustrates", "this highlights", "this indicates",
    "which shows", "which meant", "which means", "which demonstrates", "which suggests",
    "which led", "this led", "as a result", "because", "therefore", "thus", "hence",
    "consequently", "so that", "in order to", "meaning that", "showing that", "suggests that",
    "shows that", "demonstrates that", "reveals that", "proves that", "indicates that",
    "illustrates", "highlights", "significance", "significant", "why", "due to", "led to",
    "resulted in", "reflects", "reflecting", "was echoed", "this was", "this is",
    # a consequence drawn in the same sentence ("…into two armed camps that made a local
    # conflict likely to spread", "…, so the leaders bear more responsibility")
    ", so", "which made", "that made", "made it", "making it", "which allowed", "allowing",
    "enabled", "enabling", "leading to", "in turn", "meant that", "which gave", "which turned",
    # evidence read as something by those it concerned ("Stalin saw it as dollar imperialism")
    "saw it as", "saw this as", "saw them as", "regarded it as", "regarded this as",
    "viewed it as", "viewed this as", "interpreted it as", "interpreted this as",
)
ATTRIBUTION_LEMMAS = frozenset("""
say write state declare argue claim proclaim announce note remark insist warn tell speak
describe report record explain proclaim observe admit boast promise
""".split())
SOURCE_PHRASES = (
    "according to", "historian", "historians", "source", "document", "wrote", "writes",
    "in his book", "in her book", "in their book", "memoir", "diary", "speech", "report",
    "census", "statistics", "figures show", "records show", "testimony", "letter",
)
# What makes a source phrase name a source without a proper name ("according to official
# figures", "the census"); "historians have long debated" names none.
SOURCE_QUALIFIERS = ("official", "census", "government")
EXAMPLE_PHRASES = ("for example", "for instance", "such as", "e.g.", "including", "an example")

MONTHS = frozenset("""
january february march april may june july august september october november december
""".split())
NUMBER_WORDS = frozenset("""
two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty sixty
seventy eighty ninety hundred hundreds thousand thousands million millions billion billions
half third quarter double doubled triple tripled twofold threefold fourfold fivefold sixfold
""".split())
# Figures: how many, in numbers. Ordinals ("second", "eighth grade") say which, and plurals
# without a number ("thousands of miles", "millions of Americans") say only "many".
CARDINAL_WORDS = frozenset("""
two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
thousand million billion trillion dozen
""".split())
MULTIPLIER_WORDS = frozenset("""
double doubled triple tripled quadrupled halved twofold threefold fourfold fivefold sixfold
tenfold
""".split())
FRACTION_WORDS = frozenset("half third thirds quarter quarters".split())
ORDINAL_WORDS = frozenset("""
first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth thirteenth
fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth thirtieth hundredth
thousandth millionth
""".split())

# Words so common in any essay that sharing them says nothing about the topic.
GENERIC_LEMMAS = frozenset("""
be have do make get go take come see know think say use give find tell way thing time year
people person man woman day world life part place case point fact lot number group kind also
very really just much many more most well even good bad new old great big small first last long
little own other same such able sure certain
""".split())
# Words a question uses to ask, not what it asks about ("How far ... Assess its aims, methods
# and results, using evidence"): never key terms, never evidence of being on topic.
QUESTION_WORDS = frozenset("""
assess evaluate explain discuss describe analyse analyze examine consider compare contrast
agree disagree argue justify account outline identify suggest show prove support answer
extent far degree way ways much many successful success unsuccessful failure fail important
importance significant significance responsible responsibility main chief key major reason
reasons cause causes factor factors consequence consequences effect effects impact impacts
result results outcome outcomes aim aims method methods role roles development developments
change changes continuity rise fall decline collapse outbreak origin origins nature
interpretation view views statement claim historian historians evidence source sources opinion
period periods time times essay question answer use using decade decades century centuries
year years era age date dates between during until since
""".split())
# Era markers next to years ("49 BC"): part of a date, never a key term.
ERA_WORDS = frozenset({"bc", "bce", "ad", "ce"})


def phrase_finder(phrases: tuple[str, ...] | frozenset[str]) -> re.Pattern[str]:
    """One pattern finding any of the phrases as whole words in a padded lowercase text
    (" i think so "): one search instead of a loop over the list.

    It matches where the plain alternation would (``alternation``)."""
    return re.compile(f" {alternation(phrases)} ")


def alternation(phrases: Iterable[str]) -> str:
    """A pattern matching any of the phrases, the longest one that fits where several do, spelled
    out as a tree of their letters ("for example|for instance" as "for (?:example|instance)"):
    at each place the regular expression engine follows one branch instead of trying every
    phrase in turn (a third of the time for 70 phrases)."""
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here
    return _branches(trie)


def _branches(node: dict[str, dict]) -> str:
    """The pattern of a letter tree's node: each letter then its own branches, in order; the
    whole optional when a phrase may end here (tried first, so the longest phrase wins)."""
    alternatives = [re.escape(char) + _branches(node[char]) for char in sorted(node) if char]
    if not alternatives:
        return ""
    if len(alternatives) == 1 and "" not in node:
        return alternatives[0]
    group = "(?:" + "|".join(alternatives) + ")"
    return group + "?" if "" in node else group
