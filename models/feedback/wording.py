"""Default wording of every feedback code; a rubric may override any of them per criterion.

Placeholders are filled from the essay itself ({quote} is always one of the student's sentences),
so no comment can be emitted without pointing at the text it is about.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    message: str
    next_step: str


DEFAULT_WORDING: dict[str, Wording] = {
    # thesis
    "thesis.strong": Wording(
        "“{quote}” is a clear, arguable claim where a reader expects the thesis.",
        "Keep every body paragraph tied to it: open each one with a point that develops this "
        "claim."),
    "thesis.vague": Wording(
        "“{quote}” is the closest thing to a thesis, but it {problem}.",
        "Sharpen it into a claim someone could dispute: say how far, for whom and why."),
    "thesis.announcement": Wording(
        "“{quote}” announces what the essay will do instead of saying what you argue.",
        "Replace it with your answer to the question, in one sentence a historian could "
        "disagree with."),
    "thesis.missing": Wording(
        "Your introduction ends with “{quote}”, which does not take a position on the question.",
        "Add one sentence at the end of the introduction that answers the question directly."),
    "thesis.late": Wording(
        "Your clearest claim, “{quote}”, only comes {where}.",
        "Move this claim (or a version of it) to the end of your introduction so the reader "
        "knows your argument from the start."),
    "thesis.question": Wording(
        "“{quote}” asks a question; a thesis answers one.",
        "Turn the question into your answer to it."),
    "thesis.off_topic": Wording(
        "This essay seems to answer a different question from the one it was graded against: "
        "“{question}”. Its thesis and evidence could not be credited against that question.",
        "Reread the question, answer it directly in your introduction, and choose evidence "
        "that bears on it. If you did answer this question, ask your teacher to check."),
    # evidence
    "evidence.strong": Wording(
        "“{quote}” brings in {kinds}, and you go on to explain what it shows.",
        "Use this pattern (evidence, then explanation) in every body paragraph."),
    "evidence.unexplained": Wording(
        "“{quote}” brings in {kinds}, but the essay moves on without explaining what it shows.",
        "Follow it with a sentence that links it to your argument (“This shows that…”, "
        "“As a result…”)."),
    "evidence.unsupported": Wording(
        "“{quote}” is this paragraph's point, but nothing in the paragraph backs it up with a "
        "date, figure, quotation or named source.",
        "Support it with a specific piece of evidence and explain how it proves the point, or "
        "qualify the claim."),
    "evidence.unattributed_quote": Wording(
        "The quotation in “{quote}” is not attributed to anyone.",
        "Say who said or wrote it, and when, so the reader can judge its weight."),
    "evidence.thin_paragraph": Wording(
        "The paragraph beginning “{quote}” has no specific evidence: no date, figure, quotation "
        "or named source.",
        "Add at least one precise piece of evidence that proves this paragraph's point."),
    "evidence.key_terms": Wording(
        "The essay never mentions {terms}, which are central to this question.",
        "Bring the most relevant of them in where they support your argument, for example "
        "near “{quote}”."),
    # structure
    "structure.single_block": Wording(
        "The essay is one block of {count} sentences, so the reader cannot see its stages.",
        "Start a new paragraph at “{quote}”, where the essay turns to a new point, and give "
        "the essay an introduction, body paragraphs and a conclusion."),
    "structure.no_conclusion": Wording(
        "The essay ends with “{quote}”, without a conclusion that sums up your argument.",
        "Add a short final paragraph that answers the question again in the light of your "
        "evidence."),
    "structure.conclusion_drifts": Wording(
        "Your conclusion (“{quote}”) does not return to your thesis (“{thesis}”).",
        "Restate the thesis in new words and say what your evidence has shown about it."),
    "structure.conclusion_returns": Wording(
        "Your conclusion returns to your argument: “{quote}”.",
        "Go one step further and weigh the points you made (which mattered most, and why)."),
    "structure.topic_sentence": Wording(
        "The paragraph beginning “{quote}” opens with {problem}, not with the point the "
        "paragraph will prove.",
        "Open with a sentence that states the paragraph's point and links it to your thesis; "
        "let the evidence follow."),
    "structure.transitions_good": Wording(
        "Transitions such as “{marker}” in “{quote}” show the reader how your ideas connect.",
        "Keep using a range of them, especially between paragraphs."),
    "structure.transitions_repeated": Wording(
        "{count} sentences open with “{marker}”, for example “{quote}”.",
        "Vary the links: choose the word that says how the ideas relate (contrast, cause, "
        "addition, time)."),
    "structure.transitions_missing": Wording(
        "“{quote}” changes subject with no link to the sentence before it.",
        "Add a transition or a phrase that connects it to the previous idea."),
    "structure.misplaced_marker": Wording(
        "“{quote}” uses “{marker}” {where}.",
        "Use each signpost where it belongs, so the reader is not misled about where the "
        "essay is."),
    "structure.unbalanced": Wording(
        "The paragraph beginning “{quote}” has {count} words, against an average of {words}.",
        "Develop it with evidence and explanation, or merge it with a related paragraph."),
    # language
    "language.spelling": Wording(
        "In “{quote}”, check the spelling of {words}.",
        "Correct it{suggestions}."),
    "language.long_sentence": Wording(
        "“{quote}” runs to {count} words, which makes it hard to follow.",
        "Split it into two or three sentences, one idea each."),
    "language.fragment": Wording(
        "“{quote}” is not a complete sentence: it has no main verb.",
        "Join it to the sentence before or after, or add the missing verb."),
    "language.repetitive_openers": Wording(
        "{count} sentences begin with “{marker}”, for example “{quote}”.",
        "Vary how your sentences begin: start some with a time phrase, a subordinate clause "
        "or the subject of the action."),
    "language.variety_good": Wording(
        "“{quote}” combines several ideas in one well-built sentence.",
        "Mix sentences like this with short ones to give your key points emphasis."),
    "language.capitalisation": Wording(
        "“{quote}” does not begin with a capital letter.",
        "Begin every sentence with a capital letter."),
}

# Codes whose next step is general advice on style rather than a fix for the sentence quoted:
# an essay gets at most one of them (models/feedback/compose.py), so the same tip does not
# crowd out comments on what the student actually wrote.
GENERIC_TIPS = frozenset({"language.variety_good", "language.repetitive_openers"})

# What each improvement is about, in a few words, for a teacher's overview of a whole class.
WEAKNESS_NAMES: dict[str, str] = {
    "thesis.vague": "Thesis too vague to argue",
    "thesis.announcement": "Thesis announces instead of arguing",
    "thesis.missing": "No thesis",
    "thesis.late": "Thesis only at the end",
    "thesis.question": "Thesis posed as a question",
    "thesis.off_topic": "Answers a different question",
    "evidence.unexplained": "Evidence left unexplained",
    "evidence.unsupported": "Claims without evidence",
    "evidence.unattributed_quote": "Quotations not attributed",
    "evidence.thin_paragraph": "Paragraphs without evidence",
    "evidence.key_terms": "Key terms of the topic missing",
    "structure.single_block": "No paragraphs",
    "structure.no_conclusion": "No conclusion",
    "structure.conclusion_drifts": "Conclusion does not return to the thesis",
    "structure.topic_sentence": "Paragraphs without a clear topic sentence",
    "structure.transitions_repeated": "The same transition over and over",
    "structure.transitions_missing": "Abrupt changes of subject",
    "structure.misplaced_marker": "Signposts in the wrong place",
    "structure.unbalanced": "Unbalanced paragraphs",
    "language.spelling": "Spelling",
    "language.long_sentence": "Overlong sentences",
    "language.fragment": "Sentence fragments",
    "language.repetitive_openers": "Sentences that all start the same way",
    "language.capitalisation": "Sentences not starting with a capital",
}
