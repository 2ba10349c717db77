"""LINE chat export: the words and shapes LINE writes, in Japanese, English, Korean,
Traditional Chinese and Thai.

* :func:`chat_name`: the chat's name from the header line (``[LINE] 田中とのトーク履歴``,
  ``[LINE] Chat history with Tanaka``, ``[LINE] 김민수님과의 대화``,
  ``[LINE] 與陳小明的聊天記錄``, ``[LINE] ประวัติการแชทกับ Somchai``).
* :data:`SAVED`: the line with the export's time (``保存日時：2026/04/26 15:40``,
  ``Saved on: 2026/04/26 15:40``, and the same with any label in another language).
* :data:`HEADING`: the date heading written before each day's messages
  (``2025/04/18(金)``, ``2024/01/15 Mon``, ``Sun, 26/04/2026``, ``2025.12.30 火曜日``).
* :data:`SPACED`: a message line of the PC app whose fields are separated by spaces, not
  tabs (``21:40 山田 太郎 text``); :func:`notice`: the notices such a line can hold.
* :data:`PLACEHOLDERS`: what stands in for a photo, sticker, video, file or voice message.
* :func:`call`: call lines (``☎ 通話時間 1:23``, ``☎ 不在着信``…).
* :func:`unsent`: who unsent a message (``田中がメッセージの送信を取り消しました``).
"""

from __future__ import annotations

import re

from safetrail.importers.base import CallOutcome

__all__ = [
    "HEADING",
    "MESSAGE_HEAD",
    "PLACEHOLDERS",
    "SAVED",
    "SPACED",
    "UNSENT_ENDINGS",
    "YOU",
    "call",
    "chat_name",
    "notice",
    "unsent",
]

_CHAT_NAMES = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?P<n>.+?)\s*とのトーク履歴$",
        r"(?P<n>.+?)\s*のトーク履歴$",
        r"(?i:chat history (?:with|in))\s+(?P<n>.+?)$",
        r"(?P<n>.+?)\s*님?과의 (?:대화|채팅|토크)(?: 내역| 기록)?$",
        r"(?P<n>.+?)\s*(?:대화방|채팅방)?의 (?:대화|채팅|토크) (?:내역|기록)$",
        r"與(?P<n>.+?)的聊天記錄$",
        r"(?P<n>.+?)的聊天記錄$",
        r"ประวัติการ(?:แชท|สนทนา)(?:กับ|ใน)?\s*(?P<n>.+?)$",
    )
)


def chat_name(header: str) -> str | None:
    """The chat's name from the export's first line, if it is a LINE header."""
    text = header.strip()
    if not text.startswith("[LINE]"):
        return None
    rest = text[len("[LINE]") :].strip()
    for pattern in _CHAT_NAMES:
        found = pattern.match(rest)
        if found is not None and found["n"].strip():
            return found["n"].strip()
    return None


#: the export's time, after a label in any language (``保存日時：``, ``Saved on:``…)
SAVED = re.compile(r"^(?P<label>[^\d\t\n]{1,40}?)\s*[:：]\s*(?P<value>\d[^\t\n]{5,40})$")

_SP = "[ \u00a0]"
_WEEKDAY = r"[^\s\d()（）\t/.,:：\-]{1,15}\.?"
#: a day's heading: its date (year first, or with the year last), and a weekday
HEADING = re.compile(
    rf"(?:{_WEEKDAY},?{_SP}+)?"
    r"(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{1,4})\.?"
    rf"(?:{_SP}*[(（]{_WEEKDAY}[)）]|{_SP}+{_WEEKDAY})?{_SP}*"
)

_MARK = "AM|PM|am|pm|午前|午後|오전|오후|上午|下午"
#: what comes before the sender on a message line (for the first pass)
MESSAGE_HEAD = rf"^(?:(?:{_MARK}) ?)?\d{{1,2}}:\d{{2}}(?: ?(?:{_MARK}))?\t"

#: a message line with spaces between its fields: the time (``21:40``, ``9:40 PM``,
#: ``午後9:40``, ``오후 9:40``) and the rest (the sender and the text, not told apart here)
SPACED = re.compile(
    rf"(?P<time>(?:(?:{_MARK}) ?)?\d{{1,2}}:\d{{2}}(?: ?(?:{_MARK})(?= ))?)"
    r" (?P<rest>[^\t\n]*\S[^\t\n]*)"
)

_NOTICES = re.compile(
    r"(?P<n>.{1,100}?)(?:が(?:グループに参加しました|グループを退会しました|.{1,200}を招待しました"
    r"|.{1,200}を退会させました|アルバム.{0,100}を作成しました|グループ名を.{0,100}に変更しました"
    r"|グループのプロフィール画像を変更しました|参加しました|退会しました)"
    r"| (?:joined the group|left the group|has left the group|invited .{1,200}"
    r"|removed .{1,200} from the group|created the album .{0,100}|changed the group name.{0,100}"
    r"|changed the group profile photo)"
    r"|님?이 (?:그룹에 참여했습니다|그룹에서 나갔습니다|.{1,200}님?을 초대했습니다)"
    r"|加入(?:了)?群組|已退出群組|邀請了.{1,200})[.。]?"
)


def notice(rest: str) -> str | None:
    """The name a notice of a space-separated line begins with (joined, left, invited,
    album created…: LINE writes the person inside the notice, no sender before it), or
    None when ``rest`` is no notice."""
    found = _NOTICES.fullmatch(rest)
    return found["n"].strip() if found is not None else None


#: placeholder → what kind of file it stands for (None: nothing that comes as a file)
PLACEHOLDERS: dict[str, str | None] = {}
for _kind, _texts in (
    ("photo", ("写真", "Photo", "Photos", "사진", "照片", "圖片", "รูป", "รูปภาพ")),
    ("video", ("動画", "Video", "동영상", "影片", "วิดีโอ")),
    ("voice", ("ボイスメッセージ", "Voice message", "음성메시지", "語音訊息", "ข้อความเสียง")),
    ("file", ("ファイル", "File", "파일", "檔案", "ไฟล์")),
    (None, ("スタンプ", "Sticker", "스티커", "貼圖", "สติกเกอร์")),
    (None, ("アルバム", "Album", "앨범", "相簿", "อัลบั้ม")),
    (None, ("位置情報", "Location", "위치정보", "位置資訊", "ตำแหน่ง")),
    (None, ("連絡先", "Contact", "연락처", "聯絡資訊", "รายชื่อติดต่อ")),
    (None, ("GIF",)),
):
    for _text in _texts:
        PLACEHOLDERS[f"[{_text}]"] = _kind

_DURATION = re.compile(r"(?:(\d{1,2}):)?(\d{1,3}):(\d{2})(?!\d)")
_MISSED = (
    "不在着信",
    "応答なし",
    "キャンセル",
    "missed call",
    "no answer",
    "canceled call",
    "cancelled call",
    "부재중",
    "응답 없음",
    "취소",
    "未接來電",
    "無人接聽",
    "已取消",
    "ไม่ได้รับ",
    "ไม่มีผู้รับสาย",
    "ยกเลิก",
)


def call(text: str) -> tuple[CallOutcome, int | None] | None:
    """A call line's outcome and duration in seconds, or None when ``text`` is not a call
    LINE reports (a group call starting, for example, is a notice)."""
    if not text.startswith(("☎", "☏")):
        return None
    found = _DURATION.search(text)
    if found is not None:
        hours = int(found[1]) if found[1] else 0
        return "answered", hours * 3600 + int(found[2]) * 60 + int(found[3])
    folded = text.casefold()
    if any(word in folded for word in _MISSED):
        return "missed", None
    return None


_UNSENT = tuple(
    re.compile(pattern)
    for pattern in (
        r"(?P<n>.*?)\s*が?メッセージの送信を取り消しました。?",
        r"(?P<n>.*?)\s*(?i:unsent a message)\.?",
        r"(?P<n>.*?)\s*님?이 메시지(?:를| 전송을) 취소했습니다\.?",
        r"(?P<n>.*?)\s*已收回訊息。?",
        r"(?P<n>.*?)\s*ยกเลิกการส่งข้อความ",
    )
)
#: cheap test before :func:`unsent` (``str.endswith`` with a tuple runs in C)
UNSENT_ENDINGS = (
    "取り消しました",
    "取り消しました。",
    "unsent a message",
    "unsent a message.",
    "취소했습니다",
    "취소했습니다.",
    "已收回訊息",
    "已收回訊息。",
    "ยกเลิกการส่งข้อความ",
)
#: how LINE names the person exporting in its own notices
YOU = frozenset({"", "you", "あなた", "당신", "您", "你", "คุณ"})


def unsent(text: str) -> str | None:
    """The name of who unsent a message ("" when the line does not say), or None when
    ``text`` is not such a line."""
    for pattern in _UNSENT:
        found = pattern.fullmatch(text.strip())
        if found is not None:
            return found["n"].strip()
    return None
