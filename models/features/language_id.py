"""Which language an essay is written in, asked only when most of its words are not English:
a student who wrote in French is told the grader reads English, not that the essay is
gibberish.

langdetect (Google's language-detection profiles, bundled with the package: nothing is
downloaded) is seeded, so the same text always gets the same answer.
"""

from __future__ import annotations

from models.document import EssayDoc

SURE = 0.9  # the detector's probability above which the language is named
SAMPLE_SENTENCES = 40  # enough text to tell a language; bounds the detector's work
LANGUAGES = {
    "fr": "French", "de": "German", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "ru": "Russian", "uk": "Ukrainian", "tr": "Turkish",
    "ar": "Arabic", "zh-cn": "Chinese", "zh-tw": "Chinese", "ja": "Japanese", "ko": "Korean",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "ro": "Romanian",
    "cs": "Czech", "hu": "Hungarian", "el": "Greek", "vi": "Vietnamese", "id": "Indonesian",
    "hi": "Hindi", "fa": "Persian", "he": "Hebrew", "ca": "Catalan",
}


def written_in(essay: EssayDoc) -> str | None:
    """The name of the language the essay is surely written in, when it is not English."""
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    sample = " ".join(s.text for s in essay.sentences[:SAMPLE_SENTENCES])
    try:
        best = detect_langs(sample)[0]
    except LangDetectException:  # nothing it can read as any language
        return None
    # Only the languages named here: random syllables read as Swahili or Somali at times.
    return LANGUAGES.get(best.lang) if best.prob >= SURE else None
