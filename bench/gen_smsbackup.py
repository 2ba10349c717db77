"""Write a large, deterministic SMS Backup & Restore backup for benchmarks.

    .venv/bin/python bench/gen_smsbackup.py                 # 1,000,000 records
    .venv/bin/python bench/gen_smsbackup.py --records 200000 --calls 50000

Writes ``bench/data/sms-bench.xml`` (about 94 % ``<sms>``, 6 % ``<mms>`` with a text part,
a SMIL part and a small base64 picture) and ``bench/data/calls-bench.xml`` (``--calls``
records; the app writes calls to a file of their own). Bodies include ``&#10;``,
``&amp;`` and, on one message in 20, an emoji written as two surrogate references, the
way the app writes them. Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import base64
import random
from pathlib import Path

DATA = Path(__file__).parent / "data"
START_MS = 1_640_995_200_000  # 2022-01-01T00:00:00Z
WORDS = (
    "where are you",
    "I saw you outside again",
    "stop calling me",
    "ok",
    "see you at 6",
    "why won't you answer",
    "I know where you live",
    "thanks &amp; good night",
    "call me back",
    "this is the last time",
)
EMOJI = "&#55357;&#56832;"
PICTURE = base64.b64encode(bytes(range(256)) * 4).decode()  # 1 KiB "image"
SMIL = (
    "&lt;smil&gt;&lt;body&gt;&lt;par dur=&quot;5000ms&quot;&gt;&lt;img src=&quot;"
    "image.jpg&quot;/&gt;&lt;/par&gt;&lt;/body&gt;&lt;/smil&gt;"
)


#: a phone's history is with a few hundred people, a handful of them most of the time;
#: CONTACTS[0] (+15550000000) is the busiest counterpart
CONTACTS = tuple(f"+1555{n * 7919 % 1_000_000:07d}" for n in range(400))
_WEIGHTS = tuple(1 / (rank + 1) for rank in range(len(CONTACTS)))


def _number(rng: random.Random) -> str:
    return rng.choices(CONTACTS, _WEIGHTS)[0]


def _sms(rng: random.Random, when: int) -> str:
    body = rng.choice(WORDS)
    if rng.random() < 0.3:
        body += "&#10;" + rng.choice(WORDS)
    if rng.random() < 0.05:
        body += " " + EMOJI
    kind = 1 if rng.random() < 0.6 else 2
    return (
        f'  <sms protocol="0" address="{_number(rng)}" date="{when}" type="{kind}" '
        f'subject="null" body="{body}" toa="null" sc_toa="null" service_center="null" '
        f'read="1" status="-1" locked="0" date_sent="{when - 1500}" sub_id="1" '
        f'readable_date="Jan 1, 2022 12:00:00 AM" contact_name="(Unknown)" />\n'
    )


def _mms(rng: random.Random, when: int) -> str:
    number = _number(rng)
    box = 1 if rng.random() < 0.6 else 2
    return (
        f'  <mms date="{when}" ct_t="application/vnd.wap.multipart.related" msg_box="{box}" '
        f'address="{number}" sub="null" read="1" m_id="bench-{when}" m_type="132" '
        f'text_only="0" readable_date="Jan 1, 2022 12:00:00 AM" contact_name="(Unknown)">\n'
        f"    <parts>\n"
        f'      <part seq="-1" ct="application/smil" name="null" chset="null" cd="null" '
        f'fn="null" cid="&lt;smil&gt;" cl="smil.xml" ctt_s="null" ctt_t="null" '
        f'text="{SMIL}" />\n'
        f'      <part seq="0" ct="image/jpeg" name="image.jpg" chset="null" cd="null" '
        f'fn="null" cid="&lt;image&gt;" cl="image.jpg" ctt_s="null" ctt_t="null" '
        f'text="null" data="{PICTURE}" />\n'
        f'      <part seq="0" ct="text/plain" name="null" chset="106" cd="null" fn="null" '
        f'cid="&lt;text&gt;" cl="text.txt" ctt_s="null" ctt_t="null" '
        f'text="{rng.choice(WORDS)}" />\n'
        f"    </parts>\n"
        f"    <addrs>\n"
        f'      <addr address="{number}" type="{137 if box == 1 else 151}" charset="106" />\n'
        f'      <addr address="insert-address-token" type="{151 if box == 1 else 137}" '
        f'charset="106" />\n'
        f"    </addrs>\n"
        f"  </mms>\n"
    )


def _call(rng: random.Random, when: int) -> str:
    kind = rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6))
    number = "-2" if rng.random() < 0.05 else _number(rng)
    duration = 0 if kind in (3, 5, 6) else rng.randrange(1, 900)
    return (
        f'  <call number="{number}" duration="{duration}" date="{when}" type="{kind}" '
        f'presentation="1" subscription_id="1" readable_date="Jan 1, 2022 12:00:00 AM" '
        f'contact_name="(Unknown)" />\n'
    )


def generate(records: int, calls: int, seed: int = 7, folder: Path = DATA) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    sms_path = folder / "sms-bench.xml"
    when = START_MS
    with sms_path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
        out.write(
            f'<smses count="{records}" backup_set="bench" backup_date="{START_MS}" type="full">\n'
        )
        for _ in range(records):
            when += rng.randrange(1_000, 120_000)
            out.write(_mms(rng, when) if rng.random() < 0.06 else _sms(rng, when))
        out.write("</smses>\n")
    calls_path = folder / "calls-bench.xml"
    when = START_MS
    with calls_path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
        out.write(
            f'<calls count="{calls}" backup_set="bench" backup_date="{START_MS}" type="full">\n'
        )
        for _ in range(calls):
            when += rng.randrange(10_000, 900_000)
            out.write(_call(rng, when))
        out.write("</calls>\n")
    return sms_path, calls_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000, help="sms + mms records")
    parser.add_argument("--calls", type=int, default=150_000, help="call records")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sms_path, calls_path = generate(args.records, args.calls, args.seed)
    for path in (sms_path, calls_path):
        print(f"{path}: {path.stat().st_size / 1024**2:.1f} MiB")


if __name__ == "__main__":
    main()
