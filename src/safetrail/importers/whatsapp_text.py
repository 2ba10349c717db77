"""WhatsApp chat export: the words WhatsApp writes into a chat, in several languages.

Everything here is matched against the message text after the header (``Name: ``) with
invisible marks at its start removed. Lookups are case-insensitive (``str.casefold``) and
ignore a final full stop, because iOS writes "This message was deleted." where Android
writes "This message was deleted".

* :data:`PLACEHOLDERS`: what stands in for a photo, video… when the chat was exported
  without media ("<Media omitted>", "image omitted", "<Medien ausgeschlossen>"…). Any other
  short ``<…>`` text holding a word for "media" counts too (:func:`is_placeholder`).
* :data:`EVENTS`: lines WhatsApp writes under a person's name that are not something they
  typed: deleted messages, view-once media, missed calls, and notices (iOS writes the
  encryption notice of a one-to-one chat under the other person's name). The sender is
  always kept; only notices are system lines.
* :func:`attached_file`: the name of a media file sent with the message, in the Android
  form ``IMG-20220323-WA0002.jpg (file attached)`` or the iOS form
  ``<attached: 00000012-PHOTO-2022-03-23-13-32-01.jpg>``.
* :func:`chat_name`: the chat's name from the export's file name ("WhatsApp Chat with
  Alex.txt", "WhatsApp Chat - Alex.zip", localised).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Literal

__all__ = [
    "EVENTS",
    "NOTICES",
    "PLACEHOLDERS",
    "SPECIAL",
    "SPECIAL_LIMIT",
    "EventKind",
    "attached_file",
    "chat_name",
    "is_chat_file_name",
    "is_placeholder",
    "lookup_key",
]

EventKind = Literal["deleted", "view_once", "missed_voice", "missed_video"]


def lookup_key(text: str) -> str:
    """How :data:`PLACEHOLDERS` and :data:`EVENTS` are keyed: folded case, no final stop."""
    key = text.casefold()
    return key.rstrip(". \u00a0") if key[-1:] in ". \u00a0" else key


_PLACEHOLDER_TEXTS = (
    # English (Android, then iOS)
    "<Media omitted>",
    "image omitted",
    "video omitted",
    "audio omitted",
    "sticker omitted",
    "GIF omitted",
    "document omitted",
    "Contact card omitted",
    # German
    "<Medien ausgeschlossen>",
    "<Medien weggelassen>",
    "Bild weggelassen",
    "Video weggelassen",
    "Audio weggelassen",
    "Sticker weggelassen",
    "GIF weggelassen",
    "Dokument weggelassen",
    # Spanish
    "<Multimedia omitido>",
    "imagen omitida",
    "video omitido",
    "vídeo omitido",
    "audio omitido",
    "sticker omitido",
    "GIF omitido",
    "documento omitido",
    # French
    "<Médias omis>",
    "image omise",
    "vidéo omise",
    "audio omis",
    "autocollant omis",
    "GIF omis",
    "document omis",
    # Dutch
    "<Media weggelaten>",
    "afbeelding weggelaten",
    "video weggelaten",
    "audio weggelaten",
    "sticker weggelaten",
    "document weggelaten",
    # Portuguese
    "<Mídia oculta>",
    "<Arquivo de mídia oculto>",
    "<Ficheiro multimédia omitido>",
    "imagem ocultada",
    "vídeo ocultado",
    "áudio ocultado",
    "figurinha omitida",
    # Italian
    "<Media omessi>",
    "immagine omessa",
    "video omesso",
    "audio omesso",
    # Japanese
    "<メディアは含まれていません>",
    "画像は含まれていません",
    "動画は含まれていません",
    "音声は含まれていません",
    "ステッカーは含まれていません",
    "GIFは含まれていません",
    "書類は含まれていません",
    # Korean
    "<미디어 파일 생략됨>",
    "<미디어 생략>",
    "사진 생략됨",
    "동영상 생략됨",
    "오디오 생략됨",
    "스티커 생략됨",
    # Indonesian
    "<Media tidak disertakan>",
    "gambar tidak disertakan",
    "video tidak disertakan",
    "audio tidak disertakan",
    "stiker tidak disertakan",
    # Turkish, Russian
    "<Medya dahil edilmedi>",
    "<Без медиафайлов>",
    "изображение отсутствует",
    "видео отсутствует",
    "аудиофайл отсутствует",
    "стикер отсутствует",
    "GIF отсутствует",
    "документ отсутствует",
    # Vietnamese
    "<Media bị bỏ qua>",
    "<Đã bỏ qua tệp phương tiện>",
    "hình ảnh bị bỏ qua",
    "video bị bỏ qua",
    "âm thanh bị bỏ qua",
    "nhãn dán bị bỏ qua",
)

#: folded placeholder texts (see :func:`lookup_key`)
PLACEHOLDERS = frozenset(lookup_key(text) for text in _PLACEHOLDER_TEXTS)

#: words for "media" that make any short ``<…>`` text a placeholder
_MEDIA_WORDS = (
    "media",
    "medien",
    "média",
    "mídia",
    "multimedia",
    "multimédia",
    "медиа",
    "medya",
    "メディア",
    "미디어",
    "وسائط",
    "影音",
    "媒体",
)


def is_placeholder(key: str) -> bool:
    """Whether the folded text ``key`` stands in for media that were not exported."""
    if key in PLACEHOLDERS:
        return True
    return (
        len(key) <= 60
        and key.startswith("<")
        and key.endswith(">")
        and any(word in key for word in _MEDIA_WORDS)
    )


_EVENT_TEXTS: dict[EventKind, tuple[str, ...]] = {
    "deleted": (
        "This message was deleted",
        "You deleted this message",
        "Diese Nachricht wurde gelöscht",
        "Du hast diese Nachricht gelöscht",
        "Se eliminó este mensaje",
        "Eliminaste este mensaje",
        "Este mensaje fue eliminado",
        "Ce message a été supprimé",
        "Vous avez supprimé ce message",
        "Dit bericht is verwijderd",
        "Je hebt dit bericht verwijderd",
        "Esta mensagem foi apagada",
        "Você apagou esta mensagem",
        "Apagou esta mensagem",
        "Questo messaggio è stato eliminato",
        "Hai eliminato questo messaggio",
        "Pesan ini telah dihapus",
        "Anda menghapus pesan ini",
        "تم حذف هذه الرسالة",
        "لقد حذفت هذه الرسالة",
        "このメッセージは削除されました",
        "メッセージを削除しました",
        "このメッセージを削除しました",
        "삭제된 메시지입니다",
        "메시지를 삭제했습니다",
        "Данное сообщение удалено",
        "Это сообщение было удалено",
        "Вы удалили данное сообщение",
        "Вы удалили это сообщение",
        "Tin nhắn này đã bị xóa",
        "Tin nhắn này đã bị thu hồi",
        "Bạn đã xóa tin nhắn này",
        "Bạn đã thu hồi tin nhắn này",
        "Pesan ini dihapus",
        "Anda telah menghapus pesan ini",
    ),
    "view_once": (
        "View once photo",
        "View once video",
        "View once voice message",
        "Foto zur einmaligen Ansicht",
        "Video zur einmaligen Ansicht",
        "Foto de visualización única",
        "Video de visualización única",
        "Photo à vue unique",
        "Vidéo à vue unique",
        "Foto voor eenmalige weergave",
        "Video voor eenmalige weergave",
        "Foto de visualização única",
        "Vídeo de visualização única",
        "1回表示の写真",
        "1回表示の動画",
        "한 번 보기 사진",
        "한 번 보기 동영상",
    ),
    "missed_voice": (
        "Missed voice call",
        "Missed group voice call",
        "Verpasster Sprachanruf",
        "Llamada perdida",
        "Llamada de voz perdida",
        "Appel vocal manqué",
        "Gemiste spraakoproep",
        "Chamada de voz perdida",
        "Chiamata vocale persa",
        "不在着信",
        "音声通話の不在着信",
        "부재중 음성통화",
        "Пропущенный аудиозвонок",
        "Пропущенный звонок",
        "Cuộc gọi thoại bị nhỡ",
        "Cuộc gọi nhỡ",
        "Panggilan suara tak terjawab",
        "Panggilan tak terjawab",
    ),
    "missed_video": (
        "Missed video call",
        "Missed group video call",
        "Verpasster Videoanruf",
        "Videollamada perdida",
        "Appel vidéo manqué",
        "Gemiste video-oproep",
        "Gemiste videogesprek",
        "Chamada de vídeo perdida",
        "Videochiamata persa",
        "ビデオ通話の不在着信",
        "부재중 영상통화",
        "Пропущенный видеозвонок",
        "Cuộc gọi video bị nhỡ",
        "Panggilan video tak terjawab",
    ),
}

#: how long a text may be to be looked up in :data:`SPECIAL`
SPECIAL_LIMIT = 60

#: how the notices start that iOS writes under the other person's name in a one-to-one
#: chat (they are not messages: the sender is kept, the record is a system line)
NOTICES = (
    "Messages and calls are end-to-end encrypted",
    "Messages to this chat and calls are now secured with end-to-end encryption",
    "You blocked this contact",
    "You unblocked this contact",
    "Your security code with",
    "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt",
    "Los mensajes y las llamadas están cifrados de extremo a extremo",
    "Les messages et les appels sont chiffrés de bout en bout",
    "Berichten en gesprekken worden end-to-end versleuteld",
    "As mensagens e as chamadas são protegidas com a criptografia de ponta a ponta",
    "Сообщения и звонки защищены сквозным шифрованием",
    "Tin nhắn và cuộc gọi được mã hóa đầu cuối",
    "Pesan dan panggilan terenkripsi secara end-to-end",
    "メッセージと通話はエンドツーエンドで暗号化されています",
    "메시지와 전화는 종단간 암호화되어",
)

#: folded event texts (with and without a final stop) → what happened
EVENTS: dict[str, EventKind] = {
    variant: kind
    for kind, texts in _EVENT_TEXTS.items()
    for text in texts
    for variant in (lookup_key(text), lookup_key(text) + ".")
}

#: every folded text that is a placeholder or an event, with and without a final stop:
#: ``text.casefold() in SPECIAL`` is the one test most messages need
SPECIAL = PLACEHOLDERS | frozenset(key + "." for key in PLACEHOLDERS) | frozenset(EVENTS)

# --- media files sent with a message -------------------------------------------------------

_FILE_ATTACHED_LABELS = frozenset(
    {
        "file attached",
        "datei angehängt",
        "archivo adjunto",
        "fichier joint",
        "bestand bijgevoegd",
        "arquivo anexado",
        "ficheiro anexado",
        "file allegato",
        "ファイル添付",
        "파일 첨부",
        "dosya ekli",
        "файл прикреплен",
        "file terlampir",
        "tệp đính kèm",
        "ملف مرفق",
    }
)
_ATTACHED_LABELS = frozenset(
    {
        "attached",
        "anhang",
        "adjunto",
        "pièce jointe",
        "bijlage",
        "anexo",
        "anexado",
        "allegato",
        "添付",
        "첨부",
    }
)
_ANDROID_FILE = re.compile(
    r"(?P<file>[^<>:\"|?*\\/]+\.[A-Za-z0-9]{1,6}) \((?P<label>[^()]{3,40})\)"
)
_IOS_FILE = re.compile(r"<(?P<label>[^<>:]{2,30}):\s?(?P<file>[^<>:\"|?*\\/]+\.[A-Za-z0-9]{1,6})>")
#: the names WhatsApp gives media files, in either form
_WA_NAME = re.compile(
    r"(?:(?:IMG|VID|AUD|PTT|STK|DOC)-\d{8}-WA\d{4,}"
    r"|\d{8}-(?:PHOTO|VIDEO|AUDIO|STICKER|GIF|DOCUMENT|CONTACT)-\d{4}(?:-\d{2}){5})"
)


def attached_file(text: str) -> str | None:
    """The media file named by a message's first line, or None when it names none."""
    last = text[-1:]
    if last == ")":
        found = _ANDROID_FILE.fullmatch(text)
        if found is None:
            return None
        labels = _FILE_ATTACHED_LABELS
    elif last == ">":
        found = _IOS_FILE.fullmatch(text)
        if found is None:
            return None
        labels = _ATTACHED_LABELS
    else:
        return None
    name = found["file"].strip()
    if found["label"].strip().casefold() in labels or _WA_NAME.match(name):
        return name
    return None


# --- the chat's name, from the file name ---------------------------------------------------

_CHAT_NAME = re.compile(
    r"(?:WhatsApp[- ]Chat|Chat de WhatsApp|Discussion WhatsApp|Conversa do WhatsApp"
    r"|Chat WhatsApp|WhatsApp[- ]Unterhaltung)"
    r"\s*(?:with|mit|met|con|avec|com|-|–|:)\s*(?P<name>.+)",
    re.IGNORECASE,
)
_COPY_SUFFIX = re.compile(r"\s*\(\d{1,3}\)$")


def _stem(part: str) -> str:
    base = PurePosixPath(part.replace("\\", "/")).name
    lowered = base.lower()
    for suffix in (".txt", ".zip"):
        if lowered.endswith(suffix):
            base = base[: -len(suffix)]
            break
    return _COPY_SUFFIX.sub("", base).strip()


def chat_name(source_name: str) -> str | None:
    """The chat's name from the export's name, e.g. "Alex" from "WhatsApp Chat - Alex.zip ›
    _chat.txt" or "WhatsApp Chat with Alex.txt"; None when the name does not say."""
    for part in reversed(source_name.split(" › ")):
        found = _CHAT_NAME.fullmatch(_stem(part))
        if found:
            name = found["name"].strip()
            if name:
                return name
    return None


def is_chat_file_name(member: str) -> bool:
    """Whether a file's own name is one WhatsApp gives a chat export's text."""
    base = PurePosixPath(member.replace("\\", "/")).name
    if base.lower() == "_chat.txt":
        return True
    return base.lower().endswith(".txt") and _CHAT_NAME.fullmatch(_stem(base)) is not None
