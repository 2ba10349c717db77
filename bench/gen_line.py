"""Write a large synthetic LINE chat history (Japanese phone) for bench_line_kakao.py.

    python bench/gen_line.py [--messages 1000000] [--seed 7] [--out PATH]

Deterministic for a given seed and message count. It imitates a Japanese export of a
two-person chat: the ``[LINE] …とのトーク履歴`` header and ``保存日時：`` line, a
``2025/04/18(金)`` heading per day, ``HH:MM<TAB>name<TAB>text`` lines, about 6 % quoted
multi-line messages, 3 % stickers, 2 % photos, 1 % calls (half missed), 0.5 % unsent
messages and 0.5 % notices. Every message is one record; it prints what it wrote.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "[LINE] 田中 健太とのトーク履歴.txt"
PEOPLE = ("田中 健太", "佐藤 美咲")
_VOCABULARY = (
    "今どこ 家の前 駅 会社 帰り 待ってる 電話 出て 無視 しないで もう やめて 連絡 しないで "
    "ごめん 明日 話そう 警察 相談 車 見た 窓 電気 ついてる 知ってる 会いたい 返事 して "
    "どうして 一人 誰と いるの 写真 送って 住所 わかってる 終わり じゃない"
)
WORDS = tuple(_VOCABULARY.split(" "))
WEEKDAYS = "月火水木金土日"


def sentence(rng: random.Random) -> str:
    return "".join(rng.choices(WORDS, k=rng.randint(2, 9))) + rng.choice(("", "。", "？", "！"))


def generate(path: Path, messages: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    at = datetime(2019, 1, 14, 7, 30)
    counts = {"messages": 0, "lines": 0, "calls": 0, "unsent": 0, "notices": 0}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        write = out.write
        write(f"\ufeff[LINE] {PEOPLE[0]}とのトーク履歴\n保存日時：2026/04/26 15:40\n")
        lines = 2
        day = None
        for _index in range(messages):
            at += timedelta(minutes=rng.choice((0, 0, 0, 0, 1, 1, 1, 2, 3, 5)))
            if at.date() != day:
                day = at.date()
                write(f"\n{at:%Y/%m/%d}({WEEKDAYS[at.weekday()]})\n")
                lines += 2
            head = f"{at:%H:%M}\t"
            name = PEOPLE[rng.random() < 0.45]
            roll = rng.random()
            if roll < 0.005:
                write(f"{head}{name}がメッセージの送信を取り消しました\n")
                counts["unsent"] += 1
            elif roll < 0.01:
                write(f"{head}{name}がアルバム「思い出」を作成しました\n")
                counts["notices"] += 1
            elif roll < 0.04:
                write(f"{head}{name}\t[スタンプ]\n")
            elif roll < 0.06:
                write(f"{head}{name}\t[写真]\n")
            elif roll < 0.065:
                write(f"{head}{name}\t☎ 不在着信\n")
                counts["calls"] += 1
            elif roll < 0.07:
                write(f"{head}{name}\t☎ 通話時間 {rng.randint(0, 59)}:{rng.randint(0, 59):02d}\n")
                counts["calls"] += 1
            elif roll < 0.13:
                extra = rng.randint(1, 3)
                write(f'{head}{name}\t"{sentence(rng)}\n')
                for _ in range(extra - 1):
                    write(sentence(rng) + "\n")
                write(sentence(rng) + '"\n')
                lines += extra
            else:
                write(f"{head}{name}\t{sentence(rng)}\n")
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
