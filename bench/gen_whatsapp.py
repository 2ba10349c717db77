"""Write a large synthetic WhatsApp chat export (Android layout) for bench_whatsapp.py.

    python bench/gen_whatsapp.py [--messages 1000000] [--seed 7] [--out PATH]

The file is deterministic for a given seed and message count. It imitates an English
(United Kingdom) Android export of a two-person chat: ``dd/mm/yyyy, HH:MM - Name: text``
headers, about 6 % multi-line messages, 3 % ``<Media omitted>``, 2 % media lines with
``(file attached)`` (half with a caption on the next line), 1 % deleted messages and 1 %
system lines without a sender. It prints what it wrote, including the number of messages
each kind of parser should report.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "WhatsApp Chat with Alex Morgan.txt"
PEOPLE = ("Alex Morgan", "Sam Rivera")
_VOCABULARY = (
    "the car was outside again tonight I saw it from the kitchen window you said you would "
    "stop calling please leave me alone where are you now I know where you live answer me "
    "why are you ignoring me we need to talk meet me after work it is not over I am sorry "
    "ok see you tomorrow at nine call the police if this happens again bus stop station "
    "parking lot gym school office message photo video number address friend sister"
)
WORDS = tuple(_VOCABULARY.split(" "))
SYSTEM = (
    "Your security code with Alex Morgan changed. Tap to learn more.",
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them. Tap to learn more.",
    "Alex Morgan changed their phone number to a new number. Tap to message or add the new number.",
)


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(3, 18))
    text = " ".join(words)
    roll = rng.random()
    if roll < 0.05:
        text += ": " + " ".join(rng.choices(WORDS, k=3))
    elif roll < 0.08:
        text += (
            f" https://maps.google.com/?q=51.{rng.randint(1000, 9999)},-0.{rng.randint(100, 999)}"
        )
    return text[0].upper() + text[1:]


def generate(
    path: Path,
    messages: int,
    seed: int,
    say: Callable[[random.Random, str], str] | None = None,
) -> dict[str, int]:
    """Write the chat; ``say(rng, sender)`` chooses each message's text (default: word
    salad from ``WORDS``, which is what the parser benchmarks read)."""
    rng = random.Random(seed)
    at = datetime(2019, 1, 14, 7, 30)
    counts = {"messages": 0, "system": 0, "with_sender": 0, "lines": 0, "media": 0}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        write = out.write
        lines = 0
        for index in range(messages):
            at += timedelta(minutes=rng.choice((0, 0, 0, 0, 1, 1, 1, 2, 3, 5)))
            head = f"{at:%d/%m/%Y, %H:%M} - "
            roll = rng.random()
            if index == 0 or roll < 0.01:
                write(head + rng.choice(SYSTEM if index else SYSTEM[1:2]) + "\n")
                counts["system"] += 1
                lines += 1
                continue
            name = PEOPLE[rng.random() < 0.45]
            counts["with_sender"] += 1
            if roll < 0.04:
                write(f"{head}{name}: <Media omitted>\n")
                counts["media"] += 1
                lines += 1
            elif roll < 0.06:
                stamp = f"{at:%Y%m%d}"
                write(f"{head}{name}: IMG-{stamp}-WA{index % 10000:04d}.jpg (file attached)\n")
                counts["media"] += 1
                lines += 1
                if rng.random() < 0.5:
                    write(sentence(rng) + "\n")
                    lines += 1
            elif roll < 0.07:
                write(f"{head}{name}: This message was deleted\n")
                lines += 1
            elif roll < 0.13:
                extra = rng.randint(1, 3)
                write(f"{head}{name}: {say(rng, name) if say else sentence(rng)}\n")
                for _ in range(extra):
                    write(sentence(rng) + "\n")
                lines += 1 + extra
            else:
                write(f"{head}{name}: {say(rng, name) if say else sentence(rng)}\n")
                lines += 1
        counts["messages"] = messages
        counts["lines"] = lines
    counts["bytes"] = path.stat().st_size
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    counts = generate(args.out, args.messages, args.seed)
    print(json.dumps({"path": str(args.out), **counts}))


if __name__ == "__main__":
    main()
