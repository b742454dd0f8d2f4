"""Essays with a planted quality signal, for calibration tests: the level (1-4) is the number
of evidence paragraphs plus one; the rest of the body is vague."""

from __future__ import annotations

import csv
import io
import random

PLACES = ["Magnitogorsk", "the Donbas", "the Urals", "Kuznetsk", "Stalingrad", "Kharkov",
          "Gorky", "the Dnieper", "Leningrad", "Moscow"]
VAGUE = [
    "Lots of things changed in this time and people had different feelings about them.",
    "Some people liked the changes and some people did not like them very much at all.",
    "It was a big time in history and many things were happening in the country then.",
    "There were good parts and bad parts and it is hard to say which was more important.",
]


def evidence_paragraph(rng: random.Random, i: int) -> str:
    place, year = rng.choice(PLACES), 1928 + rng.randint(0, 9)
    figure = rng.randint(120, 400)
    return (f"For example, in {year} the plan at {place} raised steel output by {figure} per "
            f"cent, according to Gosplan's figures. This shows that the state could mobilise "
            f"labour and capital on a huge scale, which is why historians such as Robert "
            f"Conquest call the results impressive but costly. As a result, heavy industry "
            f"grew while consumer goods were neglected (point {i}).")


def planted_essay(level: int, rng: random.Random) -> str:
    """Level 1-4: the number of evidence paragraphs (level - 1); the rest is vague."""
    intro = ("Stalin's industrialisation was a success for heavy industry but a failure for "
             "ordinary workers and peasants, because growth came at a terrible human cost.")
    bodies = [evidence_paragraph(rng, i) for i in range(level - 1)]
    bodies += [" ".join(rng.sample(VAGUE, 3)) for _ in range(4 - level)]
    rng.shuffle(bodies)
    conclusion = ("In conclusion, industrialisation succeeded in its economic aims but failed "
                  "the people it claimed to serve.")
    return "\n\n".join([intro, *bodies, conclusion])


def planted_set(count: int, seed: int = 7) -> tuple[list[str], list[int]]:
    """``count`` essays (a multiple of 4) spread evenly over levels 1-4, and their levels."""
    rng = random.Random(seed)
    levels = [1, 2, 3, 4] * (count // 4)
    rng.shuffle(levels)
    return [planted_essay(level, rng) for level in levels], levels


def scored_csv(texts: list[str], levels: list[int], blank_every: int = 0) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["student", "essay", "teacher score"])
    for i, (text, level) in enumerate(zip(texts, levels, strict=True)):
        blank = blank_every and i % blank_every == 0
        writer.writerow([f"Pupil {i}", text, "" if blank else level * 2])  # scored out of 8
    return buffer.getvalue().encode("utf-8")
