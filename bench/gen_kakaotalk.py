"""Write a large synthetic KakaoTalk chat export for bench_line_kakao.py.

    python bench/gen_kakaotalk.py [--messages 1000000] [--layout phone|pc] [--seed 7] [--out PATH]

Deterministic for a given seed, layout and message count. ``phone`` imitates an Android
export in Korean (``2026년 4월 25일 오후 3:20, 김민수 : text`` lines under a
``2026년 4월 25일 토요일`` heading per day), ``pc`` the PC app (``[김민수] [오후 3:20]
text`` lines under ``---- 2024년 1월 15일 월요일 ----`` separators). Both: a two-person
chat with the header and ``저장한 날짜`` line, about 6 % multi-line messages, 3 %
emoticons, 2 % photos, 1 % deleted messages and 0.5 % notices (invitations, people
leaving). Every message is one record; it prints what it wrote.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import datetime, timedelta
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
PEOPLE = ("김민수", "이지은")
_VOCABULARY = (
    "지금 어디야 집 앞 회사 역 기다리고 있어 전화 받아 무시하지 마 그만해 연락하지 마 "
    "미안해 내일 얘기하자 경찰 신고 차 봤어 창문 불 켜져 있네 알고 있어 보고 싶어 답장 "
    "해 왜 누구랑 있어 사진 보내 주소 알아 끝난 거 아니야"
)
WORDS = tuple(_VOCABULARY.split(" "))
WEEKDAYS = "월화수목금토일"


def default_out(layout: str) -> Path:
    return DATA / f"KakaoTalk_{layout}_김민수.txt"


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=rng.randint(2, 9))) + rng.choice(("", ".", "?", "!"))


def _clock(at: datetime) -> str:
    return f"{'오전' if at.hour < 12 else '오후'} {at.hour % 12 or 12}:{at.minute:02d}"


def generate(path: Path, messages: int, seed: int, layout: str = "phone") -> dict[str, int]:
    rng = random.Random(seed)
    at = datetime(2019, 1, 14, 7, 30)
    counts = {"messages": 0, "lines": 0, "deleted": 0, "notices": 0}
    pc = layout == "pc"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        write = out.write
        write(f"{PEOPLE[0]} 님과 카카오톡 대화\n저장한 날짜 : 2026-04-26 15:40:12\n")
        lines = 2
        day = None
        for _index in range(messages):
            at += timedelta(minutes=rng.choice((0, 0, 0, 0, 1, 1, 1, 2, 3, 5)))
            if at.date() != day:
                day = at.date()
                heading = f"{at.year}년 {at.month}월 {at.day}일 {WEEKDAYS[at.weekday()]}요일"
                write(f"--------------- {heading} ---------------\n" if pc else f"\n{heading}\n")
                lines += 1 if pc else 2
            name = PEOPLE[rng.random() < 0.45]
            if pc:
                head = f"[{name}] [{_clock(at)}] "
            else:
                head = f"{at.year}년 {at.month}월 {at.day}일 {_clock(at)}, {name} : "
            roll = rng.random()
            if roll < 0.005:
                other = PEOPLE[name == PEOPLE[0]]
                notice = f"{name}님이 {other}님을 초대했습니다."
                if pc:
                    write(f"{notice}\n")
                else:
                    write(f"{at.year}년 {at.month}월 {at.day}일 {_clock(at)}, {notice}\n")
                counts["notices"] += 1
            elif roll < 0.015:
                write(f"{head}삭제된 메시지입니다.\n")
                counts["deleted"] += 1
            elif roll < 0.045:
                write(f"{head}이모티콘\n")
            elif roll < 0.065:
                write(f"{head}사진\n")
            elif roll < 0.125:
                extra = rng.randint(1, 3)
                write(f"{head}{sentence(rng)}\n")
                for _ in range(extra):
                    write(sentence(rng) + "\n")
                lines += extra
            else:
                write(f"{head}{sentence(rng)}\n")
            lines += 1
        counts["messages"] = messages
        counts["lines"] = lines
    counts["bytes"] = path.stat().st_size
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--layout", choices=("phone", "pc"), default="phone")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    out = args.out or default_out(args.layout)
    counts = generate(out, args.messages, args.seed, args.layout)
    print(json.dumps({"path": str(out), **counts}, ensure_ascii=False))


if __name__ == "__main__":
    main()
