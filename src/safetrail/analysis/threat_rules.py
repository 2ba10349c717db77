"""The phrases and patterns behind threat flags, in English, Japanese and Korean.

Rules are written against *normalised* text (lower case, straight apostrophes; see
``threat_model.normalise``). Weights: 0.9 and above for explicit threats ("I will kill you");
0.7-0.85 for threats that are plain in context ("you'll regret this"); below 0.5 for
words that only count alongside another sign ("I saw you at the station").

Rule ids are ``<lang>.<category>.<name>``; they appear in flags, so keep them stable.
Tuned on the rule examples in ``threat_data/*.jsonl`` (``"set": "rules"``) only; the
blind sets in ``tests/data/threats`` were never used to write them, with one exception named
in the issue itself (a message that says only "I'm outside", ``*.where.bare_outside``).
"""

from __future__ import annotations

__all__ = ["CANCELS", "CUES", "DAMPERS", "RULES", "TARGETS"]

# --- English building blocks ------------------------------------------------------------

# Someone announcing what they will do: "I'll", "I'm going to", "gonna", "I swear I'll" ...
_I_WILL = (
    r"(?:\bi\s*'?ll|\bi\s+will|\bi\s+shall|\bi\s*'?m\s+(?:going\s+to|gonna|about\s+to|coming\s+to)"
    r"|\bi\s+am\s+(?:going\s+to|gonna|about\s+to|coming\s+to)|\bim\s+(?:going\s+to|gonna)"
    r"|\bi\s*'?mma|\bima|\bgonna|\bgoing\s+to|\bi\s+want\s+to|\bi\s+should(?:\s+have|'ve)?"
    r"|\bi\s*'?d|\bi\s+would|\blet\s+me|\bi\s+swear\s+(?:to\s+god\s+)?i\s*'?ll|\bwill)"
)
# Someone else's words in a person's notes: "he said he would", "she told my friend she was
# going to".
_THEY_SAID = (
    # Starts at the reporting word (who said it does not change whether it is a threat, and a
    # pattern that starts with a word is much faster to search for).
    r"\b(?:said|saying|says|told\s+(?:me|\w+(?:\s+\w+)?)|wrote|texted|"
    r"messaged|emailed|shouted|screamed|yelled|swore|promised|warned(?:\s+me)?|posted)"
    r"\s+(?:that\s+)?(?:he|she|they)\s*(?:'d|would|will|'ll|was\s+going\s+to|were\s+going\s+to|"
    r"is\s+going\s+to|are\s+going\s+to|was\s+gonna|might|could)"
)
_THREATENED = r"\b(?:threatened|threatening|threatens|threaten)\s+(?:\w+\s+)?to"
_FILL = r"(?:\s+(?!never\b|not\b|no\b|n't\b)[\w']+){0,2}?"  # up to two words, but no negation
_YOU = r"(?:you|u|ya|ye|yourself)\b"
_VICTIM = (
    r"(?:you|u|ya|me|her|him|them|us|your|ur|my|everyone|everybody|both\s+of\s+(?:you|ya|u)|"
    r"the\s+(?:pair|lot|both|two|three)\s+of\s+(?:you|ya|u)|that\s+(?:man|guy|woman|girl|prick|"
    r"bitch|bastard))\b"
)
_FAMILY = (
    r"(?:mum|mom|mother|dad|father|parents|sister|brother|sis|bro|kids?|children|child|son|"
    r"daughter|baby|babies|family|boyfriend|girlfriend|partner|husband|wife|friends?|"
    r"new\s+(?:man|guy|boyfriend|girlfriend|partner|bf|gf|fella|bloke|lad)|fiance|fiancee|grandma|"
    r"grandad|"
    r"nan|niece|nephew|cousin)"
)
_PET = r"(?:dog|dogs|cat|cats|puppy|kitten|pet|pets|horse|rabbit|bird|hamster|pony)"
_HURT = (
    r"(?:hurt|harm|beat|bash|batter|smash|punch|hit|slap|kick|stab|shoot|burn|destroy|ruin|"
    r"wreck|attack|strangle|choke|cut|slash|break|get|hunt|end|finish|torture|rape|kidnap|"
    r"take\s+out|deal\s+with|come\s+for|come\s+after|go\s+after|get\s+even\s+with)"
)
_KILL = r"(?:kill|murder|slaughter|butcher|execute|strangle|shoot|stab)"
_INTIMATE = (
    r"(?:nudes?|naked|nude|intimate|private|sex|sexy|explicit|topless|dirty|x-rated|"
    r"in\s+the\s+shower|in\s+bed|undressed|underwear|lingerie)"
)
_MEDIA = (
    r"(?:photos?|pics?|pictures?|images?|videos?|vids?|tapes?|footage|snaps?|selfies?|clips?|"
    r"recordings?)"
)
_SPREAD = (
    r"(?:post|shar|send|sent|upload|leak|publish|put|show|spread|releas|e-?mail|forward|sell|"
    r"sold|distribut|expos|circulat)"
)
_AUDIENCE = (
    r"(?:everyone|everybody|the\s+whole\s+\w+|online|the\s+internet|internet|social\s+media|"
    r"facebook|instagram|twitter|tiktok|porn\s+sites?|(?:your|ur)\s+(?:\w+\s+)?(?:boss|work|"
    r"job|office|colleagues|coworkers|family|parents|dad|mum|mom|contacts|friends|church|school|"
    r"new\s+(?:man|guy|boyfriend|girlfriend|partner)|husband|wife|kids))"
)
_PLACE = (
    r"(?:house|home|flat|apartment|place|door|front\s+door|window|building|work|office|job|"
    r"school|car|street|gym|parents'?\s+(?:house|place)|mum'?s|mom'?s)"
)

_EN: list[tuple[str, str, float, str]] = [
    # -- kill -------------------------------------------------------------------------
    ("en.kill.intent", "kill", 0.95, _I_WILL + _FILL + r"\s+" + _KILL + r"\w*\s+" + _VICTIM),
    ("en.kill.reported", "kill", 0.9, _THEY_SAID + _FILL + r"\s+" + _KILL + r"\w*\s+" + _VICTIM),
    ("en.kill.threatened", "kill", 0.9, _THREATENED + r"\s+(?:kill|murder|shoot|stab)\b"),
    ("en.kill.death_threat", "kill", 0.85, r"\bdeath\s+threats?\b|\bthreatened\s+my\s+life\b"),
    (
        "en.kill.you_dead",
        "kill",
        0.85,
        r"\b(?:you\s*'?re|you\s+are|u\s*r|ur|youre|you\s+will\s+be|you'll\s+be|u\s+will\s+be)"
        r"\s+(?:so\s+|already\s+|a\s+|as\s+good\s+as\s+)?dead\b"
        r"(?!\s+(?:tired|set|serious|right|wrong|on|beat|ringer|to\s+me|funny|lucky|cute))",
    ),
    ("en.kill.dead_meat", "kill", 0.85, r"\bdead\s+(?:meat|man\s+walking|woman\s+walking)\b"),
    ("en.kill.dead_person", "kill", 0.8, r"\ba\s+dead\s+(?:man|woman|girl|boy|bitch)\b"),
    (
        "en.kill.you_die",
        "kill",
        0.9,
        r"\b(?:you|u)\s*(?:'ll|will|are\s+going\s+to|'re\s+going\s+to|re\s+going\s+to|r\s+gonna|"
        r"'re\s+gonna|are\s+gonna|gonna|will\s+soon|'ll\s+soon)\s+(?:\w+\s+)?die\b",
    ),
    ("en.kill.wont_live", "kill", 0.9, r"\b(?:you|u)\s+(?:won't|wont|will\s+not)\s+live\b"),
    ("en.kill.deserve_die", "kill", 0.6, r"\b(?:you|u)\s+deserve\s+to\s+die\b"),
    ("en.kill.end_life", "kill", 0.9, r"\bend\s+(?:your|ur)\s+(?:life|days)\b"),
    ("en.kill.end_you", "kill", 0.9, _I_WILL + _FILL + r"\s+(?:end|finish)\s+(?:you|u)\b"),
    ("en.kill.finish_off", "kill", 0.85, r"\bfinish\s+(?:you|u)\s+off\b"),
    ("en.kill.bullet", "kill", 0.95, r"\bbullet\s+(?:in|through|into)\s+(?:your|ur)\b"),
    ("en.kill.throat", "kill", 0.95, r"\b(?:slit|cut)\s+(?:your|ur)\s+throat\b"),
    ("en.kill.body", "kill", 0.9, r"\b(?:find|found)\s+(?:your|ur)\s+body\b"),
    ("en.kill.box", "kill", 0.6, r"\b(?:in\s+a\s+(?:box|body\s+bag|coffin|grave|ditch))\b"),
    ("en.kill.prayers", "kill", 0.7, r"\bsay(?:ing)?\s+(?:your|ur)\s+prayers\b"),
    ("en.kill.goodbye", "kill", 0.7, r"\bsay\s+goodbye\s+to\s+(?:your|ur)\s+(?:life|family)\b"),
    (
        "en.kill.last_day",
        "kill",
        0.7,
        r"\b(?:your|ur)\s+last\s+(?:day|breath|birthday|christmas)\b",
    ),
    (
        "en.kill.should_have",
        "kill",
        0.85,
        r"\bshould\s+have\s+(?:killed|strangled|stabbed)\s+(?:you|u)\b",
    ),
    (
        "en.kill.i_die",
        "kill",
        0.9,
        r"\b(?:said|saying|told\s+me|wrote|texted)\s+(?:that\s+)?i\s+(?:was\s+going\s+to|would|will|'d)"
        r"\s+(?:\w+\s+)?(?:die|be\s+dead)\b",
    ),
    ("en.kill.bang", "kill", 0.6, r"\bbang,?\s+(?:you're|you\s+are|ur)\b"),
    (
        "en.harm.cant_have",
        "harm",
        0.6,
        r"\bif\s+i\s+can'?t\s+have\s+(?:you|u),?\s+no\s*(?:one|body)\s+(?:can|will)\b",
    ),
    # -- harm -------------------------------------------------------------------------
    (
        "en.harm.intent",
        "harm",
        0.85,
        _I_WILL + _FILL + r"\s+" + _HURT + r"\w*\s+(?:you|u|ya)\b"
        r"(?!\s+(?:a|an|some|something|one|another|the|home|back|there|up|to\s+(?:work|school)))",
    ),
    (
        "en.harm.intent_yours",
        "harm",
        0.8,
        _I_WILL
        + _FILL
        + r"\s+(?:hurt|harm|smash|burn|destroy|ruin|wreck|break|trash|torch|slash|stab|damage|key)"
        r"\w*\s+(?:your|ur)\s+(?:\w+\s+){0,2}?(?:face|legs?|arms?|neck|head|body|bones?|car|"
        r"house|home|flat|place|life|windows?|tyres|tires|things|stuff)\b",
    ),
    (
        "en.harm.reported",
        "harm",
        0.85,
        _THEY_SAID
        + _FILL
        + r"\s+(?:hurt|harm|beat|smash|hit|attack|burn|break|stab|punch|get|ruin|destroy)\w*"
        r"\s+(?:me|my|her|him|us)\b",
    ),
    (
        "en.harm.threatened",
        "harm",
        0.85,
        _THREATENED
        + r"\s+(?:hurt|harm|beat|hit|attack|smash|burn|break|punch|slap|stab|get|ruin|destroy|"
        r"kidnap|rape)\b",
    ),
    ("en.harm.threatened_me", "harm", 0.45, r"\b(?:threatened|threatening)\s+(?:me|us|my)\b"),
    (
        "en.harm.living_hell",
        "harm",
        0.85,
        r"\bmake\s+(?:your|ur)\s+life\s+(?:a\s+)?(?:living\s+)?(?:hell|misery|miserable)\b",
    ),
    (
        "en.harm.regret",
        "harm",
        0.75,
        r"\b(?:you|u)\s*(?:'ll|will|are\s+going\s+to|'re\s+going\s+to|re\s+going\s+to|gonna|r\s+gonna)\s+(?:\w+\s+)?regret\s+(?:this|it|that|the\s+day|ever|leaving|doing|blocking|ignoring|going|telling|calling|what)\b",
    ),
    (
        "en.harm.regret_end",
        "harm",
        0.75,
        r"\b(?:you|u)\s*(?:'ll|will|are\s+going\s+to|'re\s+going\s+to|gonna)\s+(?:\w+\s+)?regret\s*(?:[.!]|$)",
    ),
    (
        "en.harm.pay",
        "harm",
        0.75,
        r"\b(?:you|u)\s*(?:'ll|will|are\s+going\s+to|'re\s+going\s+to|re\s+going\s+to|gonna|"
        r"r\s+gonna)\s+pay\s*(?:for\s+(?:this|that|it|what|(?!parking|shipping|clothing|housing|"
        r"wedding|bedding|catering|something|nothing|anything|everything)\w+ing\b)|[.!]|$)",
    ),
    (
        "en.harm.sorry",
        "harm",
        0.75,
        r"\b(?:you|u)\s*(?:'ll|will|are\s+going\s+to|'re\s+going\s+to|gonna)\s+be\s+sorry\b",
    ),
    (
        "en.harm.make_you",
        "harm",
        0.8,
        r"\bmake\s+(?:you|u)\s+(?:pay|suffer|sorry|regret|bleed|scream|beg)\b",
    ),
    (
        "en.harm.said_regret",
        "harm",
        0.75,
        r"\b(?:said|told\s+me|shouted|wrote|texted|warned\s+me)\s+(?:that\s+)?i\s*(?:'d|would|will|was\s+going\s+to)\s+(?:regret|pay|be\s+sorry|suffer|get\s+hurt)\b",
    ),
    ("en.harm.coming", "harm", 0.8, r"\bwhat'?s\s+coming\s+to\s+(?:you|u)\b"),
    (
        "en.harm.watch_back",
        "harm",
        0.6,
        r"\bwatch\s+(?:your|ur)\s+back\b|\b(?:better|should)\s+watch\s+(?:yourself|your\s+back|ur\s+back)\b",
    ),
    ("en.harm.watch_out", "harm", 0.4, r"\b(?:better|should)\s+watch\s+out\b"),
    ("en.harm.one_eye", "harm", 0.7, r"\bsleep\s+with\s+one\s+eye\s+open\b"),
    ("en.harm.lesson", "harm", 0.7, r"\bteach\s+(?:you|u)\s+a\s+lesson\b"),
    ("en.harm.happens_to_you", "harm", 0.6, r"\bwhat\s+happens\s+to\s+(?:you|u)\b"),
    ("en.harm.see_what_happens", "harm", 0.4, r"\bsee\s+what\s+happens\b"),
    (
        "en.harm.can_hurt",
        "harm",
        0.6,
        r"\b(?:can|could|will)\s+(?:hurt|harm|get\s+to)\s+(?:you|u)\b",
    ),
    (
        "en.harm.acid",
        "harm",
        0.9,
        r"\b(?:throw|pour|splash)\w*\s+acid\b|\bacid\s+(?:in|on|at)\s+(?:your|ur)\b",
    ),
    (
        "en.harm.fire",
        "harm",
        0.85,
        r"\bset\s+(?:your|ur)\s+(?:\w+\s+)?(?:on\s+fire|alight)|\bset\s+fire\s+to\s+(?:your|ur)\b|\bburn\s+(?:your|ur)\s+(?:\w+\s+)?(?:house|home|flat|place|car)\b",
    ),
    (
        "en.harm.capable",
        "harm",
        0.6,
        r"\bwhat\s+i\s*'?m\s+capable\s+of\b|\bwhat\s+i\s+am\s+capable\s+of\b",
    ),
    ("en.harm.hands_on", "harm", 0.7, r"\b(?:get|got)\s+my\s+hands\s+on\s+(?:you|u)\b"),
    ("en.harm.hunt_down", "harm", 0.85, r"\bhunt\s+(?:you|u)\s+down\b"),
    ("en.harm.beat_out", "harm", 0.85, r"\bbeat\s+(?:the\s+\w+\s+)?out\s+of\s+(?:you|u)\b"),
    (
        "en.harm.bones",
        "harm",
        0.85,
        r"\bbreak\s+(?:every|all|each)\s+(?:\w+\s+){0,3}?(?:bones?|finger|rib)",
    ),
    ("en.harm.come_over", "harm", 0.4, r"\bdon'?t\s+make\s+me\s+come\s+(?:over|round|there)\b"),
    ("en.harm.i_know_people", "harm", 0.45, r"\bi\s+know\s+people\s+who\b"),
    (
        "en.harm.police",
        "harm",
        0.4,
        r"\bif\s+(?:you|u)\s+(?:go\s+to|call|tell)\s+the\s+(?:police|cops)\b",
    ),
    ("en.harm.keep_it_up", "harm", 0.3, r"\bkeep\s+(?:it|this)\s+up\b"),
    # -- self-harm as pressure ----------------------------------------------------------
    (
        "en.self.intent",
        "self_harm",
        0.9,
        _I_WILL + _FILL + r"\s+(?:kill|hurt|harm|cut|hang|shoot|drown|starve|burn)\s+myself\b",
    ),
    (
        "en.self.reported",
        "self_harm",
        0.9,
        r"\b(?:kill|hurt|harm|cut|hang|shoot|drown)\s+(?:himself|herself|themselves|themself)\b",
    ),
    (
        "en.self.end_all",
        "self_harm",
        0.85,
        r"\bend\s+it\s+all\b|\bend\s+my\s+(?:own\s+)?life\b|\btake\s+my\s+(?:own\s+)?life\b",
    ),
    (
        "en.self.suicide",
        "self_harm",
        0.85,
        r"\b(?:threatened|threatening|commit|attempt)\w*\s+suicide\b|\bsuicide\s+(?:threat|note)\b",
    ),
    ("en.self.wrists", "self_harm", 0.9, r"\b(?:slit|cut|slash)\s+my\s+wrists?\b"),
    (
        "en.self.jump",
        "self_harm",
        0.6,
        r"\b(?:i\s*'?ll|i\s+will|i\s*'?m\s+going\s+to|or\s+i|i\s*'?m\s+gonna)\s+jump\b|\bjump\s+(?:off|from|in\s+front\s+of)\b",
    ),
    ("en.self.roof", "self_harm", 0.5, r"\b(?:on|at)\s+the\s+(?:roof|bridge|edge|ledge)\b"),
    (
        "en.self.pills",
        "self_harm",
        0.8,
        r"\bpills\b.{0,40}?\btake\s+(?:them|it)\b|\b(?:take|taking)\s+(?:all\s+)?(?:the|my|these)\s+pills\b|\boverdose\b",
    ),
    (
        "en.self.find_dead",
        "self_harm",
        0.85,
        r"\bfind\s+me\s+dead\b|\bmy\s+blood\s+(?:will\s+be\s+|is\s+)?on\s+(?:your|ur)\s+hands\b",
    ),
    (
        "en.self.not_live",
        "self_harm",
        0.5,
        r"\b(?:don'?t|do\s+not|dont)\s+want\s+to\s+(?:live|be\s+alive|be\s+here)\b",
    ),
    (
        "en.self.do_it",
        "self_harm",
        0.4,
        r"\b(?:i'?ll|i\s+will|going\s+to|gonna)\s+do\s+it\s+(?:tonight|now|today)\b",
    ),
    (
        "en.self.your_fault",
        "self_harm",
        0.3,
        r"\b(?:your|ur)\s+fault\b|\bon\s+(?:your|ur)\s+(?:hands|conscience)\b",
    ),
    # -- family, partners, friends -----------------------------------------------------
    (
        "en.family.harm",
        "harm,family",
        0.85,
        r"\b"
        + _HURT
        + r"\w*\s+(?:your|ur)\s+(?:\w+\s+)?"
        + _FAMILY
        + r"\b(?!\s+(?:a|an|some|the)\b)",
    ),
    (
        "en.family.kill",
        "kill,family",
        0.9,
        r"\b" + _KILL + r"\w*\s+(?:your|ur|my)\s+(?:\w+\s+)?" + _FAMILY + r"\b",
    ),
    (
        "en.family.alone",
        "harm,family",
        0.6,
        r"\b(?:your|ur)\s+(?:\w+\s+)?"
        + _FAMILY
        + r"\s+(?:\w+\s+){0,3}?(?:alone|by\s+(?:her|him|them)sel(?:f|ves))\b",
    ),
    (
        "en.family.shame",
        "harm",
        0.8,
        r"\b(?:shame|pity)\s+if\s+(?:(?:something|anything)\s+(?:bad\s+)?(?:happen|were\s+to|was\s+to)|(?:she|he|they|you|u|it)\s+(?:got|gets|were\s+to\s+get|was\s+to\s+get)\s+(?:hurt|harmed|lost))",
    ),
    (
        "en.family.something",
        "harm",
        0.55,
        r"\bsomething\s+(?:bad\s+)?(?:happens?|happened|happening)\s+to\s+(?:your|ur|you|u)\b",
    ),
    (
        "en.family.not_safe",
        "harm",
        0.7,
        r"\b(?:won'?t|will\s+not|wont|aren'?t|are\s+not|isn'?t|is\s+not|never\s+be)\s+(?:be\s+)?safe\b",
    ),
    (
        "en.family.tell_dead",
        "kill,family",
        0.9,
        r"\btell\s+(?:your|ur)\s+[\w\s]{0,20}?\b(?:he|she)\s*(?:'s|is)\s+dead\b",
    ),
    (
        "en.family.go_after",
        "harm",
        0.75,
        r"\b(?:go|going|come|coming)\s+after\s+(?:you|u|your|ur)\b",
    ),
    (
        "en.family.suffer",
        "harm,family",
        0.8,
        r"\b(?:your|ur)\s+(?:\w+\s+)?"
        + _FAMILY
        + r"\s+(?:will\s+|is\s+going\s+to\s+|are\s+going\s+to\s+)?(?:suffers?|pay|regret)\b",
    ),
    (
        "en.family.everyone_love",
        "harm,family",
        0.8,
        r"\b(?:everyone|everybody|anyone)\s+(?:you|u)\s+(?:love|care\s+about)\b",
    ),
    (
        "en.family.which_school",
        "family,whereabouts",
        0.7,
        r"\bknow\s+(?:which|what|where)\s+(?:school|nursery|class)\b|\bknow\s+where\s+(?:your|ur)\s+(?:\w+\s+)?"
        + _FAMILY
        + r"\b",
    ),
    (
        "en.family.better_watch",
        "harm,family",
        0.7,
        r"\b(?:your|ur)\s+(?:\w+\s+)?" + _FAMILY + r"\s+(?:had\s+|'d\s+)?better\s+watch\b",
    ),
    (
        "en.family.reported",
        "harm,family",
        0.85,
        _THREATENED + r"\s+(?:\w+\s+)?(?:my|our)\s+(?:\w+\s+)?" + _FAMILY + r"\b",
    ),
    # -- pets -----------------------------------------------------------------------------
    (
        "en.pets.harm",
        "harm,pets",
        0.85,
        r"\b(?:hurt|harm|kill|poison|drown|kick|beat|strangle|shoot|stab|burn|skin|gut|run\s+over|get\s+rid\s+of)\w*\s+(?:your|ur|that|the|my|her|his)\s+(?:\w+\s+){0,2}?"
        + _PET
        + r"\b",
    ),
    (
        "en.pets.eat",
        "harm,pets",
        0.7,
        r"\b" + _PET + r"\s+(?:might|could|will|may)\s+(?:eat|swallow|drink)\s+something\b",
    ),
    (
        "en.pets.next",
        "harm",
        0.6,
        r"\b(?:would|will|is|'s|are)\s+be\s+next\b|\b(?:is|'s|are)\s+next\b",
    ),
    ("en.pets.missing", "harm,pets", 0.45, r"\b" + _PET + r"\s+(?:went|goes|going)\s+missing\b"),
    ("en.pets.more_happen", "harm", 0.35, r"\bmore\s+(?:might|could|will)\s+happen\b"),
    # -- intimate images -------------------------------------------------------------------
    (
        "en.images.spread_intimate",
        "images",
        0.9,
        r"\b"
        + _SPREAD
        + r"\w*\s+(?:\w+\s+){0,3}?"
        + _INTIMATE
        + r"\s+(?:\w+\s+){0,2}?"
        + _MEDIA
        + r"\b|\b"
        + _SPREAD
        + r"\w*\s+(?:your|ur|the|those|these|my)?\s*nudes\b",
    ),
    ("en.images.sex_tape", "images", 0.85, r"\bsex\s+tape\b|\brevenge\s+porn\b"),
    (
        "en.images.intimate_seen",
        "images",
        0.8,
        r"\b(?:see|sees|seeing|get|gets|have|has|receive)\s+(?:your|ur|the|those|these)\s+(?:"
        + _INTIMATE
        + r"\s+)?(?:nudes|"
        + _MEDIA
        + r")\b(?:\s+of\s+(?:you|u))?",
    ),
    (
        "en.images.to_audience",
        "images",
        0.75,
        _I_WILL
        + _FILL
        + r"\s+"
        + _SPREAD
        + r"\w*\s+(?:\w+\s+){0,3}?"
        + _MEDIA
        + r"\s+(?:\w+\s+){0,4}?(?:(?:to|on|with|at)\s+)?"
        + _AUDIENCE,
    ),
    (
        "en.images.them_to",
        "images",
        0.75,
        r"\b" + _SPREAD + r"\w*\s+(?:them|it|those|these)\s+to\s+" + _AUDIENCE,
    ),
    (
        "en.images.audience_see",
        "images",
        0.75,
        r"\b(?:everyone|everybody|the\s+whole\s+\w+|(?:your|ur)\s+(?:\w+\s+)?(?:boss|family|parents|dad|mum|mom|friends|colleagues|work|new\s+\w+))\s+(?:\w+\s+){0,4}?(?:is\s+going\s+to|are\s+going\s+to|will|gonna|'ll|'s\s+going\s+to)\s+(?:see|love|enjoy|get|watch)\b",
    ),
    (
        "en.images.we_made",
        "images",
        0.5,
        r"\b" + _MEDIA + r"\s+(?:we|i)\s+(?:made|took|filmed|recorded|shot)\b",
    ),
    (
        "en.images.reported",
        "images",
        0.9,
        r"\b(?:threatened|threatening|said|says|told\s+me)\s+(?:\w+\s+){0,2}?(?:to\s+|he\s+would\s+|she\s+would\s+|they\s+would\s+|he'd\s+|she'd\s+)"
        + _SPREAD
        + r"\w*\s+(?:\w+\s+){0,4}?(?:"
        + _MEDIA
        + r"|nudes)\b",
    ),
    (
        "en.images.still_have",
        "images",
        0.35,
        r"\bi\s+still\s+have\s+(?:the|those|your|ur)\s+" + _MEDIA,
    ),
    ("en.images.one_click", "images", 0.5, r"\bone\s+click\b"),
    # -- whereabouts and watching --------------------------------------------------------------
    (
        "en.where.know_where",
        "whereabouts",
        0.9,
        r"\b(?:i|we)\s+(?:\w+\s+)?know\s+(?:\w+\s+)?where\s+(?:you|u)\s*(?:'re|r|are|live|work|sleep|go|stay|park|study|hide|moved|went|were|'ve\s+been)\b",
    ),
    (
        "en.where.knows_where",
        "whereabouts",
        0.85,
        r"\b(?:he|she|they)\s+(?:\w+\s+)?(?:knows?|knew)\s+(?:\w+\s+)?where\s+i\s*(?:'m|am|live|work|was|go|stay|moved|had\s+moved)\b",
    ),
    (
        "en.where.know_place",
        "whereabouts",
        0.85,
        r"\bknow\s+where\s+(?:your|ur)\s+(?:\w+\s+)?" + _PLACE + r"\b",
    ),
    (
        "en.where.address",
        "whereabouts",
        0.85,
        r"\b(?:know|knew|knows|found|got|have|has|found\s+out)\s+(?:your|ur|my)\s+(?:new\s+)?"
        r"(?:address|postcode|zip\s+code|room\s+number)\b",
    ),
    (
        "en.where.times",
        "whereabouts",
        0.75,
        r"\bknow\s+(?:what\s+time|when)\s+(?:you|u)\s+(?:leave|get|finish|arrive|go|come|start|wake)\b",
    ),
    (
        "en.where.outside",
        "whereabouts",
        0.85,
        r"\b(?:i\s*'?m|i\s+am|im|i'?ve\s+been|i\s+was|parked|waiting|standing|sitting)\s+(?:right\s+|just\s+|still\s+)?(?:outside|opposite|across\s+from|in\s+front\s+of)\s+(?:your|ur)\b",
    ),
    (
        "en.where.said_outside",
        "whereabouts",
        0.7,
        r"\b(?:said|says|wrote|texted)\s+(?:that\s+)?(?:he|she|they)\s+(?:was|were|is)\s+(?:right\s+)?outside\b",
    ),
    (
        "en.where.watching",
        "whereabouts",
        0.85,
        r"\b(?:i\s*'?m|i\s+am|im|i'?ve\s+been|been|always|i\s*'?ll\s+be|i\s+will\s+be|i\s+was|(?:he|she|they)\s+(?:was|were|is|are|had\s+been|has\s+been))\s+(?:\w+\s+)?watching\s+(?:you|u|me)\b",
    ),
    (
        "en.where.following",
        "whereabouts",
        0.85,
        r"\b(?:i\s*'?ve|i\s+have|i\s+was|i\s*'?m|i\s+am|been)\s+(?:\w+\s+)?following\s+(?:you|u)\b",
    ),
    (
        "en.where.cant_hide",
        "whereabouts",
        0.85,
        r"\b(?:can'?t|cannot|can\s+not|won'?t\s+be\s+able\s+to)\s+hide\b|\bnowhere\s+to\s+(?:hide|run)\b",
    ),
    (
        "en.where.find_you",
        "whereabouts",
        0.8,
        r"\b(?:i\s*'?ll|i\s+will|always|i\s+always|gonna|going\s+to)\s+(?:\w+\s+)?find\s+(?:you|u)\b(?!\s+(?:a|an|the|some|one|another|something|somewhere|someone)\b)",
    ),
    (
        "en.where.wherever",
        "whereabouts",
        0.45,
        r"\bwherever\s+(?:you|u)\s+(?:go|run|are|hide|move)\b",
    ),
    (
        "en.where.see_you",
        "whereabouts",
        0.8,
        r"\bi\s+can\s+see\s+(?:you|u)\s+(?:through|from|in|at|right)\b",
    ),
    (
        "en.where.see_youre",
        "whereabouts",
        0.7,
        r"\bi\s+(?:can\s+)?see\s+(?:you're|you\s+are|ur|you've)\s+(?:at|in|with|back|home)\b",
    ),
    (
        "en.where.behind",
        "whereabouts",
        0.7,
        r"\b(?:i\s*'?m|i\s+am|im)\s+(?:right\s+|standing\s+|just\s+|sitting\s+)*(?:behind|next\s+to|near|close\s+to)\s+(?:you|u)\b",
    ),
    (
        "en.where.saw_you",
        "whereabouts",
        0.4,
        r"\b(?:i\s+)?saw\s+(?:you|u)\s+(?:at|in|with|on|leaving|coming)\b",
    ),
    (
        "en.where.outfit",
        "whereabouts",
        0.4,
        r"\b(?:nice|love\s+the|like\s+the|cute)\s+(?:dress|top|outfit|shirt|jacket|coat|hair|shoes|skirt|jeans)\s+today\b",
    ),
    (
        "en.where.moved",
        "whereabouts",
        0.75,
        r"\bkn(?:ew|ows?)\s+(?:that\s+)?(?:i|you|u)\s+(?:had\s+|have\s+|'d\s+)?moved\b",
    ),
    ("en.where.moved_but", "whereabouts", 0.6, r"\b(?:you|u)\s+moved\s+but\b"),
    (
        "en.where.photo_door",
        "whereabouts",
        0.6,
        r"\b(?:photo|picture|pic)\s+of\s+(?:my|your|ur)\s+(?:front\s+)?(?:door|house|flat|window|bedroom)\b",
    ),
]

# --- Japanese --------------------------------------------------------------------------

_JA_YOU = r"(?:お前|おまえ|あんた|てめえ|てめー|テメェ|貴様|きさま|君|きみ|あなた)"
_JA_FAMILY = (
    r"(?:家族|妹|弟|姉|兄|母|父|親|両親|子ども|子供|こども|息子|娘|彼氏|彼女|旦那|夫|妻|友達|友人|"
    r"新しい男|新しい彼|あの男|あの女|おばあちゃん|おじいちゃん)"
)
_JA_PET = r"(?:犬|猫|ネコ|イヌ|ペット|わんちゃん|子犬|子猫|うさぎ|ハムスター)"
_JA_MEDIA = r"(?:写真|画像|動画|ビデオ|映像|写メ)"

_JA: list[tuple[str, str, float, str]] = [
    # kill
    (
        "ja.kill.korosu",
        "kill",
        0.9,
        r"(?<![必抹黙相])殺(?:す|して|しに|したる|したろ|しちゃ|さずに|せ)|ころ(?:す|して|したる)|コロス|ぶっ殺|ぶっころ",
    ),
    ("ja.kill.wanna_be_killed", "kill", 0.85, r"殺されたい(?:の|か)"),
    ("ja.kill.shine", "kill", 0.55, r"死ね(?!ない)|しね(?:よ|!|$)"),
    (
        "ja.kill.no_life",
        "kill",
        0.9,
        r"命は(?:ない|無い)|命の保証はない|生きて(?:帰れ|いられ)(?:ると|る)?思う",
    ),
    ("ja.kill.memorial", "kill", 0.85, r"命日"),
    ("ja.kill.erase", "kill", 0.8, _JA_YOU + r"を?消(?:す|してやる|えてもらう)"),
    ("ja.kill.strangle", "kill", 0.9, r"首を?(?:絞め|しめ)"),
    ("ja.kill.stab", "kill", 0.9, r"刺(?:す|して|しに|し殺|してやる)"),
    ("ja.kill.dont_want_die", "kill", 0.9, r"死にたくなかったら|死にたくなければ"),
    ("ja.kill.end_life", "kill", 0.85, r"人生を?終わらせ"),
    ("ja.kill.finish", "kill", 0.6, r"終わらせてやる"),
    ("ja.kill.knife", "kill", 0.6, r"(?:包丁|ナイフ|刃物)(?:を)?持って"),
    ("ja.kill.go_there", "harm", 0.35, r"(?:行く|いく)から待ってろ|待ってろ"),
    ("ja.kill.reported", "kill", 0.9, r"殺すと|殺してやると|殺すという|殺すって|殺害予告"),
    # harm
    ("ja.harm.remember", "harm", 0.7, r"覚えて(?:ろ|おけ|やがれ)|覚えとけ"),
    (
        "ja.harm.painful",
        "harm",
        0.85,
        r"痛い目(?:に|を)?(?:あわせ|合わせ|遭わせ|見せ|みせ|あう|遭う|合う|見る|みる)|痛い思いさせ|痛めつけ",
    ),
    (
        "ja.harm.not_let_go",
        "harm",
        0.85,
        r"ただじゃ(?:おかない|置かない|済まない|すまない|すまさない)|このまま(?:で)?(?:済む|すむ)と思う",
    ),
    ("ja.harm.regret", "harm", 0.8, r"後悔させ"),
    ("ja.harm.revenge", "harm", 0.7, r"仕返し(?:して|する|を)|復讐"),
    (
        "ja.harm.beat",
        "harm",
        0.8,
        r"ボコボコ|ぼこぼこ|ぶん殴|殴(?:りに|ってやる|ってやろう|られたい)",
    ),
    ("ja.harm.fire", "harm", 0.85, r"火を?(?:つけ|付け)て?やる|燃やしてやる|放火"),
    ("ja.harm.acid", "harm", 0.85, r"硫酸|塩酸"),
    ("ja.harm.night", "harm", 0.75, r"夜道(?:に|には)?(?:気をつけ|気を付け)"),
    (
        "ja.harm.ruin",
        "harm",
        0.8,
        r"人生(?:を)?(?:めちゃくちゃ|メチャクチャ|台無し|壊し|潰)|めちゃくちゃにしてやる",
    ),
    (
        "ja.harm.whatever_happens",
        "harm",
        0.75,
        r"どうなっても(?:知らない|しらない|知らん|知らねえ)",
    ),
    ("ja.harm.you_know_what", "harm", 0.75, r"どうなるか(?:わかって|分かって|わかる|分かる)"),
    ("ja.harm.police", "harm", 0.4, r"警察に(?:言|行|相談|通報|話)"),
    ("ja.harm.cry", "harm", 0.7, r"泣いても(?:知らない|遅い)"),
    ("ja.harm.break", "harm", 0.8, r"壊してやる|(?:車|家|部屋)(?:を)?(?:壊|めちゃくちゃ)"),
    ("ja.harm.unforgivable", "harm", 0.4, r"(?:絶対に?)?許さない"),
    ("ja.harm.brace", "harm", 0.75, r"覚悟(?:しろ|しとけ|しておけ)"),
    ("ja.harm.danger", "harm", 0.85, r"危害を?(?:加え|くわえ)"),
    ("ja.harm.threatened", "harm", 0.45, r"脅され|脅迫|脅して"),
    (
        "ja.harm.reported",
        "harm",
        0.8,
        r"(?:痛い目|後悔|ただじゃ)[^。]{0,10}(?:と言われ|って言われ|と脅され)",
    ),
    # self-harm
    (
        "ja.self.die_spite",
        "self_harm",
        0.9,
        r"死んでやる|死にます|自殺(?:する|してやる|します|するから|すると)",
    ),
    (
        "ja.self.conditional",
        "self_harm",
        0.85,
        r"(?:なら|ないと|ないなら|なければ|なかったら|たら)(?:俺|私|僕|あたし)?(?:は)?死ぬ",
    ),
    ("ja.self.i_die", "self_harm", 0.7, r"(?:俺|私|僕|あたし|わたし|おれ|ぼく)(?:は|が)?死ぬ"),
    ("ja.self.die_because", "self_harm", 0.6, r"死ぬから"),
    ("ja.self.jump", "self_harm", 0.85, r"飛び降り(?:る|ます|てやる)"),
    ("ja.self.hang", "self_harm", 0.9, r"首(?:を)?(?:吊|つ)(?:る|ります|って)"),
    ("ja.self.wrist", "self_harm", 0.9, r"手首(?:を)?(?:切|き)(?:る|ります|って)"),
    ("ja.self.pills", "self_harm", 0.8, r"薬(?:を)?全部飲"),
    ("ja.self.your_fault", "self_harm", 0.85, r"死んだら[^。]{0,8}(?:のせい|せい)"),
    ("ja.self.fault", "self_harm", 0.35, r"(?:お前|おまえ|あなた|君)のせい"),
    ("ja.self.cant_live", "self_harm", 0.5, r"生きていけない|生きていられない"),
    ("ja.self.end_tonight", "self_harm", 0.5, r"終わりにする"),
    # family
    (
        "ja.family.something",
        "harm,family",
        0.8,
        _JA_FAMILY
        + r"[^。]{0,6}(?:何か|なにか|何が|なにが)?(?:あっても|起きても|起こっても|どうなっても)",
    ),
    (
        "ja.family.alone",
        "harm,family",
        0.6,
        _JA_FAMILY + r"[^。]{0,10}(?:一人で|ひとりで)(?:帰って|歩いて|いる)",
    ),
    (
        "ja.family.visit",
        "harm,family",
        0.6,
        r"(?:親|実家|両親)(?:の家)?(?:に|へ)?も?(?:行く|いく|行って)",
    ),
    ("ja.family.kill", "kill,family", 0.9, _JA_FAMILY + r"(?:を|も)(?:殺|ころ)"),
    (
        "ja.family.school",
        "family,whereabouts",
        0.7,
        r"学校(?:を|も|は)?(?:知って|わかって|分かって)",
    ),
    # pets
    (
        "ja.pets.harm",
        "harm,pets",
        0.85,
        _JA_PET + r"(?:を|に|が)(?:殺|ころ|毒|どうなっても|どうにか|連れ去|痛め)",
    ),
    ("ja.pets.poison", "harm,pets", 0.85, r"毒を?盛"),
    ("ja.pets.somehow", "harm", 0.7, r"どうにかしてやる"),
    # images
    (
        "ja.images.spread",
        "images",
        0.85,
        _JA_MEDIA + r"[^。]{0,12}(?:ばらま|バラま|拡散|晒|さらし|さらす|流す|流して|流出|"
        r"ネットに(?:流|晒|ばらま|上げてやる|載せてやる|載せる(?:ぞ|から)))",
    ),
    (
        "ja.images.spiteful_send",
        "images",
        0.8,
        _JA_MEDIA + r"[^。]{0,15}(?:送って|見せて|上げて|アップして|載せて)やる",
    ),
    (
        "ja.images.intimate",
        "images",
        0.5,
        r"(?:裸|ヌード|エロ|恥ずかしい|性的|下着|シャワー)[^。]{0,6}" + _JA_MEDIA,
    ),
    (
        "ja.images.intimate_send",
        "images",
        0.6,
        r"(?:裸|ヌード|エロ|恥ずかしい|性的|下着)[^。]{0,20}(?:送る|送ります|見せる|みんな)",
    ),
    ("ja.images.revenge_porn", "images", 0.9, r"リベンジポルノ"),
    ("ja.images.scatter", "images", 0.75, r"ばらまかれ|拡散され"),
    # whereabouts
    (
        "ja.where.know",
        "whereabouts",
        0.85,
        r"(?:家|住所|職場|会社|居場所|どこにいるか|どこに住んで(?:いる|る)か|家の場所|勤務先)(?:も|は|を)?(?:全部)?(?:知って|わかって|分かって|わかった|分かった|知ってる|把握)",
    ),
    (
        "ja.where.anywhere",
        "whereabouts",
        0.85,
        r"どこにいても(?:わかる|分かる|見つけ)|逃げても(?:無駄|むだ|必ず|見つけ)|見つけ出す",
    ),
    (
        "ja.where.all_known",
        "whereabouts",
        0.8,
        r"行動(?:は|を)?(?:全部|全て|すべて)?(?:わかって|分かって|知って|把握)",
    ),
    (
        "ja.where.at_door",
        "whereabouts",
        0.8,
        r"(?:家|玄関|部屋|マンション|アパート)の前に(?:いる|いるよ|来た|来てる|来ている)",
    ),
    ("ja.where.waiting_front", "whereabouts", 0.6, r"(?:会社|職場|学校)の前で待って"),
    ("ja.where.watching", "whereabouts", 0.8, r"ずっと見て(?:る|いる|た)|見張って(?:る|いる)"),
    (
        "ja.where.window",
        "whereabouts",
        0.7,
        r"窓から(?:お前|あなた|君)?(?:が|の)?(?:見えて|見えてる)",
    ),
    ("ja.where.visible", "whereabouts", 0.45, r"(?:見えてる|見えてるよ|見えてるぞ)"),
    ("ja.where.home_now", "whereabouts", 0.45, r"今(?:、)?家にいる(?:でしょ|だろ)"),
    ("ja.where.saw", "whereabouts", 0.45, r"見てた(?:よ|ぞ)"),
    (
        "ja.where.clothes",
        "whereabouts",
        0.4,
        r"(?:服|髪|スカート|コート)(?:かわいかった|可愛かった|似合って)",
    ),
    ("ja.where.behind", "whereabouts", 0.6, r"後ろにいた"),
    ("ja.where.notice", "whereabouts", 0.4, r"気(?:づ|付)かなかった"),
]

# --- Korean ----------------------------------------------------------------------------

_KO_YOU = r"(?:^|[\s\"'“‘(])(?:너|넌|널|니가|네가|너는|너를|당신|니|너도)(?=[\s\"'”’),.!?]|$)"
_KO_FAMILY = (
    r"(?:가족|동생|언니|오빠|누나|형|엄마|아빠|어머니|아버지|부모님|애들|아이|아들|딸|남자친구|"
    r"여자친구|남친|여친|남편|아내|와이프|친구|그\s*남자|그\s*여자)"
)
_KO_PET = r"(?:강아지|개|고양이|냥이|반려견|반려묘|반려동물)"
_KO_MEDIA = r"(?:사진|영상|동영상|몰카|비디오)"

_KO: list[tuple[str, str, float, str]] = [
    # kill
    ("ko.kill.kill_off", "kill", 0.9, r"죽여\s*버리|죽여\s*버릴|죽여\s*버린"),
    (
        "ko.kill.will_kill",
        "kill",
        0.9,
        r"죽일\s*(?:거|거야|거다|테니|꺼|게)|죽이겠|죽여\s*줄게|죽일\s*줄\s*알",
    ),
    ("ko.kill.you_kill", "kill", 0.9, _KO_YOU + r"\s*(?:\S+\s*){0,2}?죽(?:인다|일|여)"),
    ("ko.kill.kill_plain", "kill", 0.45, r"죽인다"),
    (
        "ko.kill.you_dead",
        "kill",
        0.85,
        _KO_YOU + r"\s*(?:\S+\s*){0,2}?(?:죽었다|죽었어|죽어|곧\s*죽)",
    ),
    ("ko.kill.want_die", "kill", 0.8, r"죽고\s*싶(?:냐|니|어\s*\?)"),
    (
        "ko.kill.not_alive",
        "kill",
        0.85,
        r"살아서\s*못|살아남지\s*못|목숨\s*(?:은|이)?\s*(?:없|내놓)",
    ),
    ("ko.kill.erase", "kill", 0.8, r"없애\s*버릴|없애\s*버린|쥐도\s*새도\s*모르게"),
    ("ko.kill.strangle", "kill", 0.9, r"목\s*(?:을\s*)?졸라"),
    ("ko.kill.stab", "kill", 0.9, r"찔러\s*(?:죽|버|줄)|찌를\s*거"),
    ("ko.kill.my_hand", "kill", 0.9, r"내\s*손에\s*죽"),
    ("ko.kill.shoot", "kill", 0.9, r"쏴\s*(?:죽|버)"),
    ("ko.kill.memorial", "kill", 0.85, r"제삿날|제사\s*날"),
    ("ko.kill.prepare", "kill", 0.85, r"죽을\s*준비"),
    ("ko.kill.knife", "kill", 0.6, r"(?:칼|흉기)\s*(?:들고|가지고|챙겨)"),
    ("ko.kill.visit", "harm", 0.4, r"찾아간다|찾아갈\s*거"),
    (
        "ko.kill.reported",
        "kill",
        0.9,
        r"죽인다고|죽이겠다고|죽여\s*버리겠다고|죽여버린다는|살해\s*협박",
    ),
    # harm
    (
        "ko.harm.not_leave",
        "harm",
        0.8,
        r"가만\s*(?:안\s*둬|안\s*둔다|안\s*둘|두지\s*않|안\s*두겠|못\s*둬|안\s*두)",
    ),
    ("ko.harm.wait_see", "harm", 0.7, r"두고\s*(?:봐|보자|보라)"),
    ("ko.harm.regret", "harm", 0.8, r"후회하게"),
    ("ko.harm.ruin", "harm", 0.8, r"인생\s*(?:을\s*)?(?:망쳐|망치게|망가뜨|끝장)"),
    ("ko.harm.report", "harm", 0.45, r"신고하면"),
    ("ko.harm.know_what", "harm", 0.5, r"어떻게\s*되는지\s*(?:알|봐)"),
    ("ko.harm.beat", "harm", 0.85, r"때려\s*(?:버|줄|죽)|때릴\s*거|패\s*버(?:린다|릴)|두들겨"),
    ("ko.harm.night", "harm", 0.75, r"밤길\s*조심"),
    ("ko.harm.fire", "harm", 0.85, r"불\s*(?:을\s*)?(?:질러|지를|태워|싸질러)"),
    ("ko.harm.acid", "harm", 0.85, r"염산|황산"),
    ("ko.harm.revenge", "harm", 0.75, r"복수(?:할|하겠|한다|해\s*줄)"),
    (
        "ko.harm.whatever",
        "harm",
        0.75,
        r"무슨\s*일\s*(?:이\s*)?(?:생겨도|생길지|당해도|나도)\s*(?:난\s*)?(?:모른다|몰라|책임\s*못)",
    ),
    ("ko.harm.break", "harm", 0.8, r"부러뜨|부숴\s*버|박살"),
    ("ko.harm.brace", "harm", 0.75, r"각오\s*(?:해|하라|하고)"),
    ("ko.harm.trouble", "harm", 0.7, r"큰일\s*날\s*줄"),
    (
        "ko.harm.hurt",
        "harm",
        0.8,
        r"아프게\s*해\s*줄|다치게\s*(?:할|하겠|해\s*줄|만들)|해치(?:겠|고\s*말|러)|해칠\s*거",
    ),
    ("ko.harm.threatened", "harm", 0.45, r"협박"),
    (
        "ko.harm.reported",
        "harm",
        0.8,
        r"가만\s*(?:안\s*)?두(?:지\s*않)?겠다고|해치겠다고|후회하게\s*될\s*거라고",
    ),
    # self-harm
    ("ko.self.die_off", "self_harm", 0.9, r"죽어\s*버릴|죽어\s*버린"),
    ("ko.self.i_die", "self_harm", 0.8, r"(?:^|\s)(?:나|난|내가)\s*(?:\S+\s*)?죽을\s*(?:거|게|래)"),
    (
        "ko.self.conditional",
        "self_harm",
        0.85,
        r"(?:면|으면)\s*(?:나\s*)?(?:죽을\s*(?:거|게)|죽겠다|죽어)",
    ),
    ("ko.self.jump", "self_harm", 0.85, r"뛰어\s*내릴|뛰어\s*내린"),
    ("ko.self.pills", "self_harm", 0.8, r"약\s*(?:을\s*)?다\s*먹"),
    ("ko.self.wrist", "self_harm", 0.9, r"손목\s*(?:을\s*)?(?:그|긋)"),
    ("ko.self.suicide", "self_harm", 0.9, r"자살\s*(?:할|하겠|한다|해\s*버|하겠다)"),
    ("ko.self.your_fault", "self_harm", 0.8, r"죽으면.{0,10}때문"),
    ("ko.self.fault", "self_harm", 0.35, r"(?:너|당신)\s*때문"),
    ("ko.self.farewell", "self_harm", 0.6, r"마지막\s*인사"),
    ("ko.self.han_river", "self_harm", 0.4, r"한강\s*(?:갈|간다|가서)"),
    ("ko.self.roof", "self_harm", 0.5, r"옥상(?:이야|에\s*있)"),
    # family
    (
        "ko.family.something",
        "harm,family",
        0.8,
        _KO_FAMILY + r"(?:들)?(?:한테|에게|이|가)?\s*무슨\s*일",
    ),
    (
        "ko.family.alone",
        "harm,family",
        0.6,
        _KO_FAMILY + r"\s*(?:\S+\s*){0,1}혼자\s*(?:학교|집|다니|다녀)",
    ),
    (
        "ko.family.visit",
        "harm,family",
        0.6,
        r"(?:부모님|엄마|아빠|본가)\s*(?:집)?(?:에도|에|도)\s*찾아",
    ),
    ("ko.family.not_leave", "harm,family", 0.8, _KO_FAMILY + r"\s*(?:도|를|을)?\s*가만"),
    ("ko.family.kill", "kill,family", 0.9, _KO_FAMILY + r"\s*(?:를|을|도)?\s*죽(?:여|이|일)"),
    (
        "ko.family.school",
        "family,whereabouts",
        0.8,
        r"(?:학교|유치원|어린이집)\s*(?:가\s*)?(?:어딘지|어디인지|어디\s*있는지)\s*(?:다\s*)?알",
    ),
    # pets
    (
        "ko.pets.harm",
        "harm,pets",
        0.8,
        _KO_PET + r"(?:한테|에게|를|을|가|는|도)?\s*(?:\S+\s*){0,2}?"
        r"(?:죽여|죽일|죽인|독|데려가|어떻게\s*될지|해치)",
    ),
    ("ko.pets.poison", "harm,pets", 0.85, r"독\s*(?:을\s*)?(?:먹일|먹여|탈)"),
    # images
    ("ko.images.spread", "images", 0.85, r"유포|퍼뜨|퍼트리|퍼지기\s*싫"),
    (
        "ko.images.scatter",
        "images",
        0.85,
        _KO_MEDIA + r"[^.?!]{0,15}(?:뿌리|뿌린|뿌릴|풀어\s*버|풀어버)",
    ),
    ("ko.images.upload", "images", 0.8, _KO_MEDIA + r"[^.?!]{0,15}(?:올린다|올릴\s*거|올려\s*버)"),
    (
        "ko.images.send_to",
        "images",
        0.75,
        _KO_MEDIA + r"[^.?!]{0,15}(?:회사|부모님|가족|사람들|친구들|남자친구|여자친구)[^.?!]{0,8}"
        r"(?:보낸다|보낼\s*거|보내\s*버|뿌)",
    ),
    ("ko.images.intimate", "images", 0.5, r"(?:나체|벗은|알몸|야한|몰카|속옷)"),
    (
        "ko.images.reported",
        "images",
        0.85,
        r"(?:사진|영상)[^.?!]{0,10}(?:유포하겠다|보내겠다|퍼뜨리겠다|올리겠다)",
    ),
    # whereabouts
    (
        "ko.where.know",
        "whereabouts",
        0.85,
        r"어디\s*(?:사는지|있는지|사는\s*지|있는\s*지|사는\s*곳)\s*(?:다\s*|항상\s*|전부\s*|늘\s*)?"
        r"(?:알아|안다|알고)",
    ),
    (
        "ko.where.anywhere",
        "whereabouts",
        0.85,
        r"어디\s*(?:있어도|가도|도망가도|숨어도)\s*(?:다\s*)?(?:안다|알아|찾아)",
    ),
    ("ko.where.your_home", "whereabouts", 0.85, r"(?:너희|네|너네|니)\s*집\s*앞"),
    ("ko.where.watching", "whereabouts", 0.85, r"지켜\s*보고\s*있"),
    ("ko.where.move_useless", "whereabouts", 0.8, r"이사\s*가도\s*소용"),
    (
        "ko.where.new_address",
        "whereabouts",
        0.85,
        r"새\s*(?:주소|집)\s*(?:를|을|도)?\s*(?:알아|안다|알고|어딘지)",
    ),
    (
        "ko.where.address",
        "whereabouts",
        0.8,
        r"주소\s*(?:를|을|도)?\s*(?:다\s*)?(?:알고|안다|알아)",
    ),
    ("ko.where.find", "whereabouts", 0.8, r"찾아낼|찾아낸다|다\s*찾아|꼭\s*찾아"),
    (
        "ko.where.place_known",
        "whereabouts",
        0.75,
        r"(?:회사|직장|학교|집)\s*(?:도|를|을|는)?\s*(?:다\s*)?(?:알고\s*있|안다|알아|안다고)",
    ),
    ("ko.where.what_doing", "whereabouts", 0.8, r"뭐\s*하는지\s*(?:다\s*)?(?:알|안다)"),
    ("ko.where.saw", "whereabouts", 0.45, r"(?:에서|앞에서)\s*봤어"),
    ("ko.where.clothes", "whereabouts", 0.4, r"(?:옷|머리|치마)\s*예쁘더라"),
    ("ko.where.visible", "whereabouts", 0.5, r"다\s*보여|거\s*보여"),
    ("ko.where.home_now", "whereabouts", 0.45, r"지금\s*집에\s*있지"),
    ("ko.where.behind", "whereabouts", 0.6, r"뒤에\s*있었"),
    ("ko.where.didnt_know", "whereabouts", 0.4, r"몰랐지"),
    ("ko.where.wait_front", "whereabouts", 0.6, r"(?:회사|직장|학교)\s*앞에서\s*기다릴"),
]

# Broader patterns added after the first blind set (see tests/data/threats/README.md).
_EN_MORE: list[tuple[str, str, float, str]] = [
    (
        "en.kill.i_wont_live",
        "kill",
        0.8,
        r"\bi\s+(?:won'?t|wouldn'?t|will\s+not|would\s+not)\s+live\s+(?:to|through|long|past)\b",
    ),
    ("en.kill.slit_throat", "kill", 0.9, r"\b(?:slit|cut|slash)\s+(?:the\s+)?throat\b"),
    ("en.kill.six_feet", "kill", 0.85, r"\bsix\s+feet\s+under\b|\bpushing\s+up\s+daisies\b"),
    (
        "en.kill.wont_make_it",
        "kill",
        0.6,
        r"\b(?:you|u)\s+(?:won'?t|will\s+not|wont)\s+make\s+it\s+(?:to|through|home|out)\b",
    ),
    (
        "en.kill.not_alive",
        "kill",
        0.8,
        r"\b(?:not|never)\s+(?:leaving|leave|getting\s+out\s+of)\b.{0,30}\balive\b",
    ),
    (
        "en.kill.last_thing",
        "kill",
        0.75,
        r"\blast\s+thing\s+(?:you|u)\s+(?:will\s+)?(?:ever\s+)?see\b",
    ),
    (
        "en.kill.run_over",
        "kill",
        0.85,
        _I_WILL + _FILL + r"\s+(?:run|mow|knock)\s+(?:you|u|her|him)\s+(?:over|down)\b",
    ),
    (
        "en.kill.neck",
        "kill",
        0.85,
        r"\b(?:hands|fingers|rope|belt)\s+(?:round|around)\s+(?:your|ur)\s+(?:neck|throat)\b|\bwring\w*\s+(?:[\w']+\s+){0,2}?(?:neck)",
    ),
    (
        "en.kill.third_dead",
        "kill",
        0.6,
        r"\b(?:he|she|they)\s*(?:'s|is|are|'re)\s+dead\b(?!\s+(?:set|tired|serious|right|wrong))",
    ),
    (
        "en.harm.never_again",
        "harm",
        0.8,
        r"\bmake\s+sure\s+(?:you|u)\s+(?:never|can'?t|won'?t)\s+(?:walk|see|work|sleep|smile|talk|"
        r"leave|drive|have\s+kids)\b",
    ),
    (
        "en.harm.everything",
        "harm",
        0.75,
        r"\b(?:destroy|ruin|take|burn)\w*\s+everything\s+(?:you|u)\s+(?:have|love|own|care)",
    ),
    (
        "en.harm.to_your_face",
        "harm",
        0.75,
        r"\bwhat\s+i\s*(?:'ll|will|'m\s+going\s+to)?\s*do\s+to\s+(?:your|ur|you|u)\b",
    ),
    (
        "en.harm.find_out",
        "harm",
        0.6,
        r"\b(?:you'?ll|you\s+will|you\s+are\s+going\s+to)\s+find\s+out\s+what\s+happens\b",
    ),
    (
        "en.harm.be_scared",
        "harm",
        0.7,
        r"\b(?:better|should)\s+be\s+(?:scared|afraid|worried|terrified)\b",
    ),
    (
        "en.harm.make_me",
        "harm",
        0.8,
        r"\bmake\s+(?:me|her|us)\s+(?:pay|suffer|sorry|regret|bleed|beg)\b",
    ),
    (
        "en.harm.get_hurt",
        "harm",
        0.75,
        r"\b(?:would|will|might|could|gonna|going\s+to)\s+get\s+(?:hurt|harmed|burned|killed)\b",
    ),
    (
        "en.harm.tyres",
        "harm",
        0.75,
        _I_WILL
        + _FILL
        + r"\s+(?:slash|puncture|cut|let\s+down)\w*\s+(?:your|ur)\s+(?:tyres|tires)\b",
    ),
    (
        "en.harm.senseless",
        "harm",
        0.85,
        r"\bbeat\s+(?:you|u)\s+(?:senseless|black\s+and\s+blue|to\s+a\s+pulp|to\s+death|up)\b",
    ),
    ("en.self.rope", "self_harm", 0.5, r"\b(?:rope|noose|razor|the\s+pills|bottle\s+of\s+pills)\b"),
    (
        "en.self.thats_it",
        "self_harm",
        0.4,
        r"\bthat'?s\s+it\b|\bthis\s+is\s+goodbye\b|\bsaid\s+goodbye\b|\bgoodbye\s+forever\b",
    ),
    (
        "en.self.drive_into",
        "self_harm",
        0.7,
        r"\b(?:drive|crash|steer)\w*\s+(?:my\s+car\s+)?(?:into|off)\s+(?:a|the)\s+(?:wall|tree|bridge|cliff|river|lorry|truck)\b",
    ),
    ("en.self.done_living", "self_harm", 0.75, r"\bdone\s+(?:living|with\s+(?:life|living))\b"),
    (
        "en.self.in_front_of",
        "self_harm",
        0.8,
        r"\b(?:throw|jump|step)\w*\s+(?:myself|himself|herself|themselves)?\s*in\s+front\s+of\s+a\s+(?:train|bus|car|lorry|truck)\b",
    ),
    (
        "en.self.pills_photo",
        "self_harm",
        0.45,
        r"\b(?:photo|picture|pic)\s+of\s+(?:the\s+|some\s+|his\s+|her\s+)?pills\b",
    ),
    ("en.family.lock_doors", "harm", 0.65, r"\block\s+(?:her|his|their|your|ur)\s+doors?\b"),
    (
        "en.family.easy_to_find",
        "harm",
        0.45,
        r"\b(?:is|are)\s+(?:so\s+|very\s+)?easy\s+to\s+find\b",
    ),
    (
        "en.pets.gate_open",
        "harm",
        0.35,
        r"\bif\s+the\s+(?:gate|door)\s+(?:was|were|is)\s+(?:left\s+)?open\b",
    ),
    (
        "en.images.naked",
        "images",
        0.8,
        r"\b"
        + _SPREAD
        + r"\w*\s+(?:\w+\s+){0,3}?(?:what\s+you\s+look\s+like|you)\s+(?:\w+\s+){0,2}?"
        r"(?:naked|nude|undressed)\b",
    ),
    (
        "en.images.going_on",
        "images",
        0.85,
        r"\b(?:your|ur)\s+(?:nudes|naked\s+(?:photos|pics|pictures)|videos?)\s+(?:are|is)\s+(?:going|gonna\s+go)\s+(?:on|up|online|out)\b",
    ),
    (
        "en.images.interesting",
        "images",
        0.45,
        r"\b(?:would|will)\s+(?:find\s+(?:it|them)\s+interesting|love\s+to\s+see|enjoy\s+seeing)\b",
    ),
    (
        "en.images.still_got",
        "images",
        0.35,
        r"\bi'?ve\s+still\s+got\s+(?:that|the|those|your)\s+" + _MEDIA,
    ),
    (
        "en.images.unless",
        "images",
        0.6,
        r"\b(?:leak|post|share|send|publish)\w*\s+(?:\w+\s+){0,3}?" + _MEDIA + r"\s+unless\b",
    ),
    (
        "en.where.which_bus",
        "whereabouts",
        0.75,
        r"\bknow\s+(?:which|what|where)\s+(?:\w+\s+){0,2}?(?:you|u)\s+(?:take|use|go|park|live|work|drive|catch|sit|eat|shop|run|walk)\b",
    ),
    ("en.where.window", "whereabouts", 0.6, r"\blook\s+out\s+(?:of\s+)?(?:the|your|ur)\s+window\b"),
    (
        "en.where.across",
        "whereabouts",
        0.5,
        r"\b(?:i\s*'?m|i\s+am|im)\s+(?:right\s+)?across\s+the\s+(?:road|street)\b",
    ),
    (
        "en.where.followed_home",
        "whereabouts",
        0.8,
        r"\bfollowed\s+(?:me|you|u)\s+(?:home|to\s+(?:work|school|my|your)|from)\b",
    ),
    ("en.where.saw_today", "whereabouts", 0.35, r"\bsaw\s+(?:you|u)\s+(?:\w+\s+){0,3}?today\b"),
    (
        "en.where.your_new_place",
        "whereabouts",
        0.5,
        r"\b(?:your|ur)\s+new\s+(?:place|flat|house|home|apartment|address)\b",
    ),
    (
        "en.where.looked",
        "whereabouts",
        0.3,
        r"\byou\s+looked\s+(?:tired|sad|nice|good|pretty|lovely|stressed|upset)\b",
    ),
]

_JA_MORE: list[tuple[str, str, float, str]] = [
    ("ja.kill.can_erase", "kill", 0.8, r"消せる(?:んだ|ぞ|から)|消してやる"),
    ("ja.kill.run_over", "kill", 0.9, r"(?:ひ|轢)いてやる|(?:ひ|轢)き殺"),
    ("ja.harm.so_that", "harm", 0.45, r"ようにしてやる"),
    ("ja.harm.never_again", "harm", 0.3, r"二度と"),
    ("ja.harm.price", "harm", 0.75, r"代償|払ってもらう|つけを払"),
    ("ja.harm.watch", "harm", 0.6, r"見てろ(?:よ)?|見とけ"),
    ("ja.harm.slash", "harm", 0.8, r"切り裂|切りつけ|(?:タイヤ|車)(?:を)?(?:パンク|傷)"),
    ("ja.harm.hit_said", "harm", 0.8, r"殴る(?:と|って|ぞ|から)"),
    (
        "ja.harm.hurt_even",
        "harm,family",
        0.8,
        r"(?:けが|怪我|事故)(?:を)?しても(?:知らない|しらない)|しても知らない",
    ),
    ("ja.harm.lock_up", "harm", 0.6, r"戸締まり|戸締り"),
    ("ja.self.rope", "self_harm", 0.5, r"ロープ|縄|練炭"),
    ("ja.self.the_end", "self_harm", 0.45, r"もう終わり|これで終わり|さよなら|さようなら"),
    ("ja.self.crash", "self_harm", 0.6, r"突っ込む|突っ込んで"),
    ("ja.self.whatever_me", "self_harm", 0.5, r"(?:俺|私|僕|あたし)(?:が|は)?どうなっても"),
    ("ja.self.train", "self_harm", 0.85, r"(?:電車|線路|ホーム)に飛び込"),
    ("ja.self.pills_photo", "self_harm", 0.35, r"薬の写真"),
    ("ja.pets.twist", "harm,pets", 0.85, r"首(?:を)?ひね|首(?:を)?捻"),
    ("ja.images.may_send", "images", 0.6, _JA_MEDIA + r"[^。]{0,15}送(?:っても|ってもいい|ろうか)"),
    ("ja.images.send_said", "images", 0.6, _JA_MEDIA + r"[^。]{0,15}送る(?:と|って)"),
    (
        "ja.images.show_naked",
        "images",
        0.85,
        r"(?:裸|ヌード)[^。]{0,10}(?:見せてやる|見せる|ばらま|晒|載せ|流す)",
    ),
    (
        "ja.where.when_you",
        "whereabouts",
        0.75,
        r"(?:何時|いつ)[^。]{0,12}か(?:も)?(?:知って|わかって|分かって)",
    ),
    ("ja.where.seen", "whereabouts", 0.45, r"見かけた(?:よ|ぞ)"),
    ("ja.where.across", "whereabouts", 0.6, r"(?:向かい|外|近く)にいる"),
    ("ja.where.window_look", "whereabouts", 0.5, r"窓の外(?:を)?見"),
    ("ja.where.tailed", "whereabouts", 0.8, r"つけてき(?:た|て)|尾行"),
    ("ja.where.looked_tired", "whereabouts", 0.3, r"疲れてた(?:ね|よ)"),
    ("ja.where.new_home", "whereabouts", 0.5, r"新しい(?:家|部屋|住所|マンション)"),
]

_KO_MORE: list[tuple[str, str, float, str]] = [
    ("ko.kill.you_kill_after", "kill", 0.85, r"죽인다\s*(?:너|너를|널)(?=[\s.!?]|$)|새끼\s*죽인다"),
    ("ko.kill.can_erase", "kill", 0.8, r"없앨\s*수|없애\s*버"),
    ("ko.kill.run_over", "kill", 0.8, r"밀어\s*버릴|차로\s*(?:치|받|밀)"),
    ("ko.kill.dont_think_alive", "kill", 0.85, r"살아\s*있을\s*생각"),
    ("ko.kill.kill_and", "kill", 0.7, r"죽이고"),
    ("ko.kill.die_order", "kill", 0.7, r"죽으라고|죽어라|뒤져라"),
    ("ko.harm.make_you", "harm", 0.45, r"만들어\s*줄게|보여\s*줄게"),
    ("ko.harm.never_again", "harm", 0.3, r"다시는"),
    ("ko.harm.wreck", "harm", 0.8, r"망가뜨|망가트"),
    ("ko.harm.price", "harm", 0.75, r"대가\s*(?:를\s*)?치르"),
    ("ko.harm.what_happens", "harm", 0.5, r"어떻게\s*되는지"),
    ("ko.harm.tear", "harm", 0.8, r"찢어\s*버"),
    ("ko.harm.will_hit", "harm", 0.85, r"때리겠|때린다고"),
    ("ko.harm.lock", "harm", 0.6, r"문단속"),
    ("ko.harm.hurt_even", "harm,family", 0.8, r"다쳐도\s*(?:난\s*)?(?:모른다|몰라|모르)"),
    ("ko.self.rope", "self_harm", 0.5, r"밧줄|번개탄|노끈"),
    ("ko.self.the_end", "self_harm", 0.45, r"끝이야|마지막이야|안녕이라는"),
    ("ko.self.ram", "self_harm", 0.6, r"들이받"),
    ("ko.self.to_me", "self_harm", 0.5, r"나한테\s*무슨\s*일"),
    ("ko.self.fault2", "self_harm", 0.35, r"(?:네|니|너)\s*탓"),
    ("ko.self.train", "self_harm", 0.85, r"뛰어들"),
    ("ko.self.pills_photo", "self_harm", 0.35, r"약\s*사진"),
    ("ko.pets.twist", "harm,pets", 0.85, r"비틀어\s*버"),
    ("ko.images.may_send", "images", 0.6, _KO_MEDIA + r"[^.?!]{0,15}보내도\s*(?:돼|되지)"),
    (
        "ko.images.show_naked",
        "images",
        0.85,
        r"(?:벗은\s*몸|알몸|나체)[^.?!]{0,10}(?:보여\s*줄|뿌|올|보낸)",
    ),
    (
        "ko.where.when_you",
        "whereabouts",
        0.75,
        r"(?:몇\s*시|언제|어느)[^.?!]{0,12}는지\s*(?:다\s*)?(?:알아|안다|알고)",
    ),
    ("ko.where.across", "whereabouts", 0.6, r"건너편에\s*있|앞에\s*있어|밖에\s*있어"),
    ("ko.where.window_look", "whereabouts", 0.5, r"창밖\s*(?:봐|보면)"),
    ("ko.where.followed", "whereabouts", 0.8, r"따라왔|따라갔|미행"),
    ("ko.where.looked", "whereabouts", 0.3, r"피곤해\s*보이더라|보이더라"),
    ("ko.where.new_home", "whereabouts", 0.5, r"새\s*(?:집|주소)"),
]

# A broader, compositional layer added after the second blind set: intent + harm in many
# words, death and weapon vocabulary aimed at the reader, and veiled forms of "I know where
# you are" (see tests/data/threats/README.md for how each set was used).
_HARM_VERB = (
    r"(?:kill|murder|hurt|harm|smash|break|burn|stab|shoot|choke|strangle|beat|punch|kick|slap|"
    r"hit|wreck|trash|destroy|ruin|bury|drown|poison|torch|cut|slash|mess|punish|maim|cripple|"
    r"disfigure|scar|blind|batter|bash|knife|glass)"
)
_EN_FRAMES: list[tuple[str, str, float, str]] = [
    (
        "en.frame.intent_things",
        "harm",
        0.75,
        _I_WILL + _FILL + r"\s+" + _HARM_VERB + r"\w*\s+(?:every|all|the|that|those|this|each)\s+"
        r"(?:\w+\s+){0,2}?(?:windows?|tyres?|tires|cars?|doors?|house|flat|place|thing|things)\b",
    ),
    (
        "en.frame.mess_up",
        "harm",
        0.8,
        r"\bmess\s+(?:your|ur)\s+(?:\w+\s+)?up\b|\bmess\s+(?:you|u)\s+up\b",
    ),
    ("en.frame.coming_for", "harm", 0.75, r"\bcoming\s+(?:for|after|to\s+get)\s+(?:you|u|ya)\b"),
    (
        "en.frame.while_you_can",
        "harm",
        0.6,
        r"\bwhile\s+(?:you|u)\s+(?:still\s+)?can\b|\bwhile\s+it\s+lasts\b",
    ),
    (
        "en.frame.mark_words",
        "harm",
        0.45,
        r"\bmark\s+my\s+words\b|\btry\s+me\b|\bnothing\s+(?:left\s+)?to\s+lose\b",
    ),
    (
        "en.frame.take_with_me",
        "kill",
        0.85,
        r"\btake\s+(?:you|u)\s+(?:with\s+me|down\s+with\s+me)\b",
    ),
    (
        "en.frame.no_one_save",
        "kill",
        0.7,
        r"\b(?:no\s*one|nobody|won'?t\s+be\s+anyone)\s+(?:\w+\s+)?(?:to\s+)?(?:save|help|protect)\s+(?:you|u)\b",
    ),
    ("en.frame.gone", "kill", 0.45, r"\b(?:you|u)\s*(?:'ll|will)\s+be\s+gone\b"),
    (
        "en.frame.death_words",
        "kill",
        0.7,
        r"\b(?:your|ur)\s+(?:funeral|grave|coffin|obituary|last\s+(?:week|day|night|breath|summer|christmas|birthday)|days\s+are\s+numbered)\b",
    ),
    ("en.frame.obituary", "kill", 0.55, r"\bobituar(?:y|ies)\b"),
    (
        "en.frame.ground",
        "kill",
        0.9,
        r"\b(?:put|bury|burying)\s+(?:you|u)\s+(?:in\s+the\s+ground|six\s+feet|under)\b|\bchoke\s+the\s+life\b",
    ),
    (
        "en.frame.weapon",
        "harm",
        0.6,
        r"\b(?:throw|pour|splash|spray|bring|bringing|got|have|carry|carrying)\w*\s+(?:\w+\s+){0,2}?(?:bleach|acid|petrol|knife|gun|machete|hammer|baseball\s+bat)\b",
    ),
    (
        "en.frame.teach",
        "harm",
        0.7,
        r"\bteach\s+(?:you|u)\s+(?:some\s+|a\s+|what\s+)?(?:lesson|respect|manners)\b",
    ),
    (
        "en.frame.suffer",
        "harm",
        0.8,
        r"\b(?:you|u)\s*(?:'ll|will|are\s+going\s+to|'re\s+going\s+to|gonna)\s+(?:\w+\s+)?(?:suffer|bleed|beg|scream|rot)\b",
    ),
    (
        "en.frame.watch_himself",
        "harm",
        0.6,
        r"\bwatch\s+(?:himself|herself|themselves|his\s+back|her\s+back)\b",
    ),
    (
        "en.frame.flames",
        "harm",
        0.6,
        r"\bup\s+in\s+flames\b|\bburn\w*\s+(?:it\s+|them\s+)?(?:down|to\s+the\s+ground)\b",
    ),
    ("en.frame.pity_if", "harm", 0.45, r"\b(?:pity|shame)\s+if\b"),
    (
        "en.frame.threatened_family",
        "harm,family",
        0.7,
        r"\bthreaten\w*\s+(?:my|our)\s+(?:\w+\s+)?" + _FAMILY + r"\b",
    ),
    (
        "en.frame.regret_big",
        "harm",
        0.7,
        r"\bregret\s+(?:it|this|that)\s+(?:big\s+time|for\s+the\s+rest|forever)\b",
    ),
    (
        "en.frame.throw_at",
        "harm",
        0.6,
        r"\b(?:throw|pour|splash)\w*\s+\w+\s+(?:at|on|over)\s+(?:me|you|u|her)\b",
    ),
    ("en.self.cant_live", "self_harm", 0.5, r"\bcan'?t\s+(?:live|go\s+on)\s+without\s+(?:you|u)\b"),
    (
        "en.self.letter",
        "self_harm",
        0.5,
        r"\b(?:written|wrote|writing|left)\s+(?:the|a|my)\s+(?:letter|note)\b|\bsuicide\s+note\b",
    ),
    (
        "en.self.read_about",
        "self_harm",
        0.7,
        r"\bread\s+about\s+me\s+in\s+the\s+(?:paper|papers|news)\b",
    ),
    (
        "en.images.about_to_see",
        "images",
        0.75,
        r"\b(?:everyone|everybody|all\s+your\s+\w+)\s+(?:at\s+\w+\s+)?(?:is|are)\s+(?:about|going)\s+to\s+see\b",
    ),
    (
        "en.images.go_on",
        "images",
        0.85,
        r"\b(?:your|ur)\s+(?:naked|nude|private|intimate|sexy)\s+(?:photos|pics|pictures|videos|vids)\s+(?:go|goes|will\s+go|are\s+going|are\s+gonna\s+go)\s+(?:on|up|online|out|everywhere)\b",
    ),
    (
        "en.images.private_pics",
        "images",
        0.45,
        r"\b(?:private|intimate|naked|nude)\s+(?:photos|pics|pictures|videos|vids|clips?)\b",
    ),
    (
        "en.where.car_park",
        "whereabouts",
        0.55,
        r"\b(?:i\s*'?m|i\s+am|im)\s+(?:in|at|outside|by)\s+(?:the|your|ur)\s+(?:car\s*park|parking\s+lot|lobby|garden|drive|driveway|stairwell|hallway|corridor|entrance|back\s+gate)\b",
    ),
    ("en.where.come_down", "whereabouts", 0.45, r"\bcome\s+(?:down|out|outside|downstairs)\b"),
    (
        "en.where.bedroom",
        "whereabouts",
        0.6,
        r"\b(?:your|the|ur)\s+bedroom\s+(?:light|window|curtains|blinds)\b",
    ),
    (
        "en.where.you_were_at",
        "whereabouts",
        0.55,
        r"\b(?:you|u)\s+were\s+at\s+(?:the\s+|your\s+)?\w+\s+(?:at\s+\d|this\s+morning|today|yesterday|last\s+night|earlier)\b",
    ),
    (
        "en.where.every_morning",
        "whereabouts",
        0.7,
        r"\bsee\s+(?:you|u)\s+every\s+(?:day|morning|night|evening|week)\b",
    ),
    (
        "en.where.wont_help",
        "whereabouts",
        0.75,
        r"\b(?:chang\w+|mov\w+|block\w+|hid\w+)\s+(?:your\s+|ur\s+)?(?:route|number|address|phone|house|flat|name)?\s*(?:won'?t|doesn'?t|will\s+not|isn'?t\s+going\s+to)\s+(?:help|work|stop\s+me|save\s+(?:you|u))\b",
    ),
    (
        "en.where.code",
        "whereabouts",
        0.8,
        r"\bknow\s+(?:the\s+)?(?:code|password|pin|combination)\s+(?:to|for|of)\s+(?:your|ur)\b",
    ),
    (
        "en.where.knew_been",
        "whereabouts",
        0.7,
        r"\bkn(?:ew|ows?)\s+(?:that\s+)?(?:i|you|u)\s*(?:'d|had|have|'ve)\s+been\s+(?:to|at|in)\b",
    ),
]

_JA_FRAMES: list[tuple[str, str, float, str]] = [
    (
        "ja.frame.spite_violent",
        "harm",
        0.8,
        r"(?:埋め|潰し|壊し|割っ|燃やし|沈め|切っ|折っ|殴っ|痛めつけ|苦しませ|思い知らせ|めちゃめちゃにし|めちゃくちゃにし|ボコっ)てやる",
    ),
    ("ja.frame.teach", "harm", 0.45, r"教えてやる"),
    ("ja.frame.bury", "kill", 0.9, r"埋めてやる|埋める(?:ぞ|から)|息の根を?止め|道連れ"),
    ("ja.frame.last", "kill", 0.7, r"(?:お前|おまえ|あんた|君)の最後の|最後の(?:一週間|日|夜)"),
    ("ja.frame.nothing_to_lose", "harm", 0.5, r"失うもの(?:は|も)?(?:ない|無い)"),
    ("ja.frame.no_rescue", "kill", 0.7, r"誰も助け(?:に来ない|てくれない|られない)"),
    ("ja.frame.death_words", "kill", 0.6, r"死亡記事|葬式|お前の墓"),
    ("ja.frame.you_die", "kill", 0.85, r"(?:お前|おまえ|あんた|てめえ|君)(?:は|が)死ぬ"),
    ("ja.frame.sleep_now", "harm", 0.4, r"寝とけ|寝ておけ|今のうちに"),
    ("ja.frame.tonight", "harm", 0.55, r"今夜(?:行く|いく)(?:から|ぞ)"),
    (
        "ja.frame.chemical",
        "harm",
        0.85,
        r"(?:漂白剤|硫酸|塩酸|灯油|ガソリン)[^。]{0,6}(?:かけ|まく|ぶっかけ)",
    ),
    ("ja.frame.threat_family", "harm,family", 0.7, _JA_FAMILY + r"[^。]{0,12}脅(?:し|す|迫)"),
    ("ja.frame.burn_if", "harm", 0.6, r"燃えたら|火事になったら"),
    ("ja.frame.pity", "harm", 0.3, r"気の毒|かわいそうに"),
    ("ja.frame.tell_careful", "harm", 0.65, r"気をつけろ(?:って|と)(?:伝え|言っ)"),
    ("ja.self.cant_live2", "self_harm", 0.5, r"生きられない"),
    ("ja.self.will", "self_harm", 0.7, r"遺書"),
    ("ja.self.news_me", "self_harm", 0.6, r"(?:新聞|ニュース)(?:で|に)[^。]{0,10}(?:俺|私|僕)の"),
    ("ja.self.bridge", "self_harm", 0.55, r"(?:橋|屋上|線路)(?:の上)?にいる"),
    ("ja.pets.throat", "harm,pets", 0.85, r"喉を?(?:切|裂)"),
    ("ja.pets.sink", "harm,pets", 0.85, _JA_PET + r"を?[^。]{0,6}(?:沈め|溺れさせ)"),
    (
        "ja.pets.take_away",
        "harm,pets",
        0.6,
        _JA_PET + r"を?[^。]{0,6}連れて(?:いけ|行け|いく|行く)",
    ),
    (
        "ja.images.everyone_see",
        "images",
        0.75,
        _JA_MEDIA + r"[^。]{0,20}(?:みんな|全員)(?:が|に)[^。]{0,10}見る",
    ),
    (
        "ja.images.upload_said",
        "images",
        0.7,
        _JA_MEDIA + r"[^。]{0,10}(?:アップ|公開)(?:する|してやる)(?:と|って|ぞ|から)",
    ),
    (
        "ja.images.boss",
        "images",
        0.6,
        _JA_MEDIA + r"[^。]{0,12}(?:上司|会社|職場|親|両親|家族)に送",
    ),
    ("ja.where.light_on", "whereabouts", 0.55, r"電気(?:つけっぱなし|ついてる|つけて)"),
    (
        "ja.where.you_went",
        "whereabouts",
        0.65,
        r"(?:歯医者|病院|美容院|ジム|会社|学校|実家)(?:に|へ)?行ってた(?:ね|よね|でしょ)",
    ),
    ("ja.where.every_day", "whereabouts", 0.75, r"(?:毎朝|毎日|毎晩)見て(?:る|いる)"),
    ("ja.where.no_use", "whereabouts", 0.75, r"変えても無駄|引っ越しても無駄|逃げても無駄"),
    ("ja.where.code", "whereabouts", 0.8, r"暗証番号|合鍵"),
    ("ja.where.parking", "whereabouts", 0.55, r"(?:駐車場|玄関|下|ロビー)にいる"),
    ("ja.where.come_down", "whereabouts", 0.45, r"降りてこい|出てこい"),
    (
        "ja.where.shelter",
        "whereabouts",
        0.7,
        r"(?:シェルター|避難所|相談所)[^。]{0,12}(?:知って|わかって)",
    ),
]

_KO_FRAMES: list[tuple[str, str, float, str]] = [
    ("ko.frame.bury", "kill", 0.9, r"묻어\s*버|숨통(?:을)?\s*끊"),
    ("ko.frame.last", "kill", 0.7, r"(?:네|니|너의)\s*(?:인생\s*)?마지막\s*(?:주|날|밤)"),
    ("ko.frame.nothing_to_lose", "harm", 0.5, r"잃을\s*(?:거|것)\s*(?:도\s*)?없"),
    ("ko.frame.with_me", "kill", 0.55, r"(?:너도|너까지)\s*같이|같이\s*데려간"),
    ("ko.frame.no_rescue", "kill", 0.7, r"아무도\s*(?:구하러|도와주러|살려)"),
    ("ko.frame.you_end", "kill", 0.7, r"(?:넌|너는)\s*끝이야"),
    ("ko.frame.death_words", "kill", 0.6, r"부고|장례식|네\s*무덤"),
    ("ko.frame.stab_said", "kill", 0.85, r"찌르겠|찌른다고|찌를\s*거"),
    ("ko.frame.bones", "harm", 0.6, r"뼈저리게"),
    ("ko.frame.mess", "harm", 0.75, r"엉망으로\s*만들|만신창이"),
    ("ko.frame.sleep_now", "harm", 0.4, r"자\s*둬라|지금\s*실컷"),
    ("ko.frame.tonight", "harm", 0.55, r"오늘\s*밤에?\s*간다"),
    ("ko.frame.pain", "harm", 0.8, r"고통스럽게|괴롭게\s*해\s*줄"),
    ("ko.frame.teach", "harm", 0.45, r"가르쳐\s*줄게"),
    ("ko.frame.smash", "harm", 0.8, r"깨\s*버린|깨버린|깨\s*버릴"),
    (
        "ko.frame.chemical",
        "harm",
        0.85,
        r"(?:락스|표백제|염산|황산|휘발유)[^.?!]{0,6}(?:뿌리|부을|끼얹)",
    ),
    ("ko.frame.threat_family", "harm,family", 0.7, _KO_FAMILY + r"[^.?!]{0,12}협박"),
    ("ko.frame.fire_if", "harm", 0.6, r"불이라도\s*나면|불\s*나면"),
    ("ko.frame.pity", "harm", 0.3, r"안타깝겠|안됐네"),
    ("ko.frame.careful_tell", "harm", 0.7, r"몸조심(?:하라고|해라|해)"),
    ("ko.self.cant_live", "self_harm", 0.5, r"못\s*살아"),
    ("ko.self.will", "self_harm", 0.7, r"유서"),
    ("ko.self.news_me", "self_harm", 0.6, r"(?:뉴스|신문)(?:에서|에)\s*내\s*(?:얘기|이야기|이름)"),
    ("ko.self.bridge", "self_harm", 0.55, r"(?:다리|옥상|철로)\s*위에\s*있"),
    ("ko.pets.throat", "harm,pets", 0.85, r"목(?:을)?\s*따"),
    ("ko.pets.sink", "harm,pets", 0.85, r"빠뜨리겠|빠뜨릴|빠트릴|빠트리겠"),
    ("ko.pets.never_see", "harm", 0.6, r"다시는\s*못\s*볼"),
    ("ko.images.everyone_see", "images", 0.75, _KO_MEDIA + r"[^.?!]{0,20}(?:다|모두)\s*보게\s*될"),
    ("ko.images.true_self", "images", 0.4, r"본모습"),
    (
        "ko.images.boss",
        "images",
        0.6,
        _KO_MEDIA + r"[^.?!]{0,12}(?:상사|회사|부모님|가족)(?:한테|에게)\s*보내",
    ),
    ("ko.where.light_on", "whereabouts", 0.55, r"(?:침실|방)\s*불"),
    (
        "ko.where.you_went",
        "whereabouts",
        0.65,
        r"(?:치과|병원|미용실|헬스장|회사|학교|본가)(?:에)?\s*갔었지",
    ),
    ("ko.where.every_day", "whereabouts", 0.75, r"매일\s*(?:아침|밤|저녁)?\s*보고\s*있"),
    ("ko.where.no_use", "whereabouts", 0.75, r"바꿔도\s*소용없|이사\s*가도|도망가도\s*소용"),
    ("ko.where.code", "whereabouts", 0.8, r"비밀번호\s*(?:다\s*)?(?:알아|안다|알고)"),
    ("ko.where.parking", "whereabouts", 0.55, r"(?:주차장|로비|현관\s*앞|1층)에\s*있어"),
    ("ko.where.come_down", "whereabouts", 0.45, r"내려와|나와라"),
    ("ko.where.shelter", "whereabouts", 0.7, r"쉼터[^.?!]{0,12}(?:알고|안다|알아)"),
]

# --- cancels: harmless uses of threat words, blanked out before rules run ----------------

CANCELS: tuple[str, ...] = (
    # English idioms and hyperbole
    r"\b(?:dying|dyin)\s+(?:to|for|of)\b",
    r"\bto\s+die\s+for\b",
    r"\b(?:killing|killed|kill|kills)\s+(?:it|time|the\s+lights?|the\s+engine|the\s+mood|the\s+vibe)\b",
    r"\bkilling\s+(?:me|my\s+(?:feet|back|wallet|legs|head|vibe))\b",
    r"\b(?:is|are|was|were|'s|'re)\s+killing\s+(?:me|my|us)\b",
    r"\bcould\s+(?:kill|die)\s+for\b|\b(?:i'?d|i\s+would)\s+kill\s+for\b",
    r"\bkill\s+myself\s+laughing\b|\bdied?\s+(?:laughing|of\s+(?:embarrassment|laughter|boredom|shame))\b",
    r"\b(?:bored|scared|worried|tickled)\s+to\s+death\b",
    r"\bdead\s+(?:tired|set|serious|on|beat|ringer|end|line|lines|heat|last|right|wrong|easy|funny|good)\b",
    r"\bdeadline\b|\bkiller\s+(?:whale|workout|app|deal|heels|view|song|track|sale)\b",
    r"\b(?:knock\s+(?:'em|them|him|her)\s+dead|break\s+a\s+leg|drop\s+dead\s+gorgeous)\b",
    r"\bmy\s+(?:phone|battery|laptop|car|plant|tv)\s+(?:died|is\s+dead|was\s+dead)\b",
    r"\bshoot\s+(?:me|us)\s+(?:a|an)\s+(?:text|message|email|line)\b",
    # "my mum's going to kill me": a parent, a sibling or a boss "killing" the writer
    r"\b(?:boss|teacher|coach|manager|tutor|landlord|mum|mom|mam|mother|dad|father|parents|"
    r"folks|nan|gran|grandma|grandad|grandpa|brother|sister)(?:\s*(?:'s|'ll|'d)|\s+(?:is|are|"
    r"will|would))\s+(?:going\s+to\s+|gonna\s+)?(?:kill|murder)\s+(?:me|us)\b",
    r"\bwatch\s+(?:your|ur)\s+(?:back|step|head|feet)\s+on\s+(?:the|those|these)\s+(?:stairs|steps|"
    r"ice|floor|road|path)\b",
    # English negations of harm
    r"\b(?:i|he|she|they)\s*(?:'d|would|will|'ll)?\s*(?:never|not|n't)\s+(?:ever\s+)?(?:hurt|harm|kill|touch|hit)\b",
    r"\b(?:wouldn'?t|won'?t|didn'?t|don'?t|doesn'?t|never)\s+(?:\w+\s+)?(?:want\s+to\s+)?(?:hurt|harm|hit|kill)\b",
    r"\bnot\s+going\s+to\s+(?:hurt|harm|hit|kill)\b",
    r"\bno\s+(?:intention|plan)s?\s+(?:of|to)\s+(?:hurt|harm|threat)\w*",
    # Japanese idioms
    r"死ぬ(?:ほど|気で|まで|かと思)|死にそう|笑い死|殺されそう|締め切りに殺され|死ぬかと|死ぬくらい",
    r"殺虫|殺風景|殺菌|殺到|必殺|殺陣|殺人的|殺し屋|暑すぎて死|疲れて死",
    r"(?:傷つけ|危害を加え|脅す)(?:たり|る|ること)?(?:は|も)?(?:絶対に?)?(?:しない|しません|つもりはない|ない)",
    # Korean idioms ("X해 죽겠다": so X I could die) and hyperbole
    r"(?:어|아|워|해|파|고|서|러|려|와|싶어|좋아|미워|심심해)\s*죽겠",
    r"죽는\s*줄|죽을\s*뻔|죽을\s*맛|죽기\s*살기|죽을\s*힘|죽기\s*전에|죽도록\s*(?:좋|사랑|보고)",
    r"(?:떡볶이|노래|음식|맛|경치|분위기)\s*(?:진짜\s*|완전\s*)?죽인다",
    r"(?:해치지|해칠\s*생각은?|다치게\s*하지|협박할\s*생각은?)\s*(?:않|없)",
    r"(?:식당|가게|카페|역|병원|곳|장소|회의실|열쇠|키|지갑|폰|핸드폰|휴대폰|리모컨|책|가방|우산|안경|"
    r"충전기|서류|파일)\s*(?:이|가)?\s*어디\s*(?:있는지|사는지|있는\s*지)",
)

# --- explicit severity ------------------------------------------------------------------
# A flagged text that names killing, death, a weapon, fire, acid or bodily violence is
# "serious", whatever the model's seriousness reading says: the words themselves decide.
# Read only on texts already flagged, so an idiom ("this heat is killing me") never gets
# here unless something else made it a threat.

SERIOUS_WORDS: tuple[str, ...] = (
    # English (word starts; normalised text, lower case)
    r"\b(?:kill|murder|dead\b|die\b|dies\b|death|stab|shoot|shot\b|gun|knife|knives|blade"
    r"|machete|acid|bleach|petrol|gasoline|burn|fire\b|set (?:you|it) alight|alight"
    r"|strangl|chok|smother|drown|poison|bury|buried|grave\b|coffin|body ?bag|corpse"
    r"|bleed|blood|beat(?:ing)? (?:you|u\b|the)|beat you|punch|kick(?:ing)? (?:you|ur|your|the)"
    r"|break (?:your|ur|every|his|her)|broken (?:bones|legs|arms)|bones?\b|skull|throat"
    r"|neck\b|teeth|jaw\b|smash (?:your|ur) face|hospital|wheelchair|hammer|crowbar"
    r"|baseball bat|the bat\b|a bat\b|bullet|put you down|end you\b|end your life"
    r"|finish you|six (?:feet|foot) under|in the ground|last breath|never wake up|hurt (?:you|u\b)"
    r"|black and blue|bruise|scar (?:you|your)|slit|cut (?:you|your|ur)|rip |tie you up"
    r"|torture|rape|kidnap|boiling water|hang myself|kill myself|end it all|overdose|pills"
    r"|injur|maim|crippl|disfigur|slice (?:you|ur|your)|carve|\baxe\b|sledgehammer|thrash"
    r"|pummel|batter|kneecap|torch (?:you|your|ur)|set (?:you|your|ur) on fire|glass you"
    r"|bottle you|deck you|do you in|take you out|bump you off|snuff|waste you|cap you"
    r"|smoke you|harm (?:you|u\b|your|ur))",
    # Japanese
    r"(?:殺|ころす|ころし|コロス|死ね|しね|死なす|死んでもら|命(?:ない|もら|取)|刺し|刺す|撃ち|撃つ|銃|拳銃"
    r"|包丁|ナイフ|刃物|凶器|殴|蹴|ボコ|ぼこ|骨|折っ|折る|へし折|砕|燃や|火(?:を|ぃ|つけ|い|放)"
    r"|灯油|ガソリン|硫酸|塩酸|熱湯|血|首(?:絞|しめ|を|へし|折)|埋め|沈め|毒|病院送り|半殺し"
    r"|バット|ハンマー|金槌|スタンガン|息の根|あの世|地獄に送|墓|葬式|遺書|手首|飛び降り|首吊"
    r"|自殺|練炭|死ぬ|死んだる|死んでや|痣|傷(?:つけ|を)|顔(?:ぐちゃ|つぶ|潰)"
    r"|ぶっ飛ば|しば(?:く|いた|き倒|いたる)|いてま|いてこま|どつ|痛めつけ|痛い目|怪我|ケガ|車椅子"
    r"|寝たきり|切り刻|切り落と|切りつけ|潰し|潰す|焼き殺|火あぶり|拉致|監禁|レイプ|犯す|犯した)",
    # Korean
    r"(?:죽이|죽여|죽인|죽일|죽는다|죽을 줄|죽어|죽고|죽을 거|죽음|숨통|목숨|찔러|찌를|칼|총|쏴"
    r"|쏜다|흉기|패줄|팬다|팰 거|패버|때리|때려|때릴|맞아|밟아|부러뜨|부숴|뭉개|박살|작살"
    r"|불 질|불 붙|불 놓|태워|휘발유|기름|염산|황산|끓는 물|피 볼|피떡|피바다|목 졸|목 꺾|묻어"
    r"|독 타|독 먹|병원 보내|병원행|방망이|망치|쇠파이프|전기충격기|다구리|반 죽|흉터|멍들"
    r"|무덤|장례식|유서|손목|뛰어내|목 매|밧줄|자살|번개탄|철로|약 (?:다|왕창|많이)|시체|저세상"
    r"|지옥으로|뒤져|뒤지게|쥑|살려 두|살려두|목을|베어|난도질|두들겨|불태|태울|불질|총으로|쏠 거"
    r"|피가|피를|피투성|다리몽둥이|생매장|매장|땅에 묻|칼로|해치|다치게|다칠|아프게|응급실|휠체어"
    r"|불구|병신 만들|반병신|조져|족쳐|담가|담근다|찢어|으깨|지져|깨버|때릴|맞을|패서|패고"
    r"|죽는 줄|때린|불 잘 붙|목매|목 매달|못 일어서|살아남을 생각)",
)

DAMPERS: tuple[tuple[str, float, str], ...] = (
    (
        "fiction_or_news",
        0.35,
        # Narrow on purpose: "you'll be on the news" is a threat, "the news about..." is not.
        r"\b(?:film|movie|documentary|episode|novel|podcast|villain|sitcom|tv\s+show|"
        r"video\s+game|in\s+the\s+game|news\s+(?:about|report|story)|(?:read|saw|heard)\s+"
        r"(?:about\s+)?(?:it\s+)?(?:in|on)\s+the\s+news|murder\s+(?:trial|mystery|case))\b|"
        r"映画|ドラマ|小説|ゲーム|ニュースで(?:見た|やって|言って)|アニメ|推理|영화|드라마|소설|게임에서|"
        r"뉴스에서\s*(?:봤|나왔|그러)",
    ),
    (
        "laughing",
        0.6,
        r"\b(?:lol|lmao|haha\w*|jk|just\s+kidding)\b|😂|🤣|(?<=[\u3040-\u30ff\u4e00-\u9fff])(?:笑|w+)(?:\s|$|[。!?])|ㅋㅋ|ㅎㅎ",
    ),
)

TARGETS: tuple[tuple[str, str], ...] = (
    (
        "family",
        r"\b(?:your|ur|my)\s+(?:\w+\s+)?" + _FAMILY + r"\b|" + _JA_FAMILY + "|" + _KO_FAMILY,
    ),
    ("pets", r"\b(?:your|ur|my|that|the)\s+(?:\w+\s+)?" + _PET + r"\b|" + _JA_PET + "|" + _KO_PET),
)


# Every rule as (id, categories, weight, pattern); ``threats`` compiles them.
# A message that says only "I'm outside" (and nothing about meeting) announces presence.
_BARE_PRESENCE: list[tuple[str, str, float, str]] = [
    (
        "en.where.bare_outside",
        "whereabouts",
        0.9,
        r"^(?:i\s*'?m|im|i\s+am)\s+(?:outside|downstairs|outside\s+again)\s*[.!]*$",
    ),
    (
        "ja.where.bare_outside",
        "whereabouts",
        0.9,
        r"^(?:今\s*)?外に(?:いる|いるよ|いるから)[。!]*$",
    ),
    ("ko.where.bare_outside", "whereabouts", 0.9, r"^(?:지금\s*)?밖에\s*있어[.!]*$"),
]

RULES: tuple[tuple[str, str, float, str], ...] = (
    *_BARE_PRESENCE,
    *_EN,
    *_EN_MORE,
    *_EN_FRAMES,
    *_JA,
    *_JA_MORE,
    *_JA_FRAMES,
    *_KO,
    *_KO_MORE,
    *_KO_FRAMES,
)


# --- cue words: the prefilter's first look ---------------------------------------------
# A text is read by the model only if it contains one of these (or a word some rule needs).
# They are chosen so that almost no threat is written without one (the tests measure how
# many training threats pass), while most everyday messages ("where are you", "call me
# back") pass without any. Lower case, at least three bytes; a leading or trailing space
# marks a word edge.

_EN_CUES = (
    # violence, weapons, death
    "kill", "murder", "dead", "die", "dying", "death", "stab", "shoot", "shot", "gun", "knife",
    "blade", "hurt", "harm", "beat", "punch", "hit ", "smash", "break", "broke", "burn",
    "fire", "acid", "bleach", "petrol", "blood", "bleed", "chok", "strangl", "neck", "throat",
    "face", "bone", "legs", "leg ", "arm ", "arms", "teeth", "grave", "funeral", "body", "bury",
    "buried", "hospital", "wheelchair", "drown", "poison", " bat", "hammer", "machete",
    "crowbar", "batter", "kick", "slap", "glass", "scar", "cut ", "slit", "slash", "wrist",
    "pill", "jump", "bridge", "roof", "suicid", "myself", "goodbye", "rope", " gut",
    "skull", "piece", "breath", "alive", "live", "life", "pray", "hell", "pain", "suffer",
    "scream", "cry", "mess", "destroy", "ruin", "wreck", "finish", "torture", "rape", "kidnap",
    "snatch", "disappear", "accident", "weapon", "bullet", "fist", "bruise", "blind",
    # consequences and menace
    "regret", "be sorry", "be so sorry", "pay", "warn", "last", "over", "forget", "remember",
    "capable", "lose",
    "happen", "coming", "wait", "soon", "safe", "careful", "watch", "hide", "run",
    "escape", "lock", "door", "dark", "sleep", "dream", "clock", "tick", "time",
    "matter", "free", "learn", "deserve", "karma", "away", "wish", "born", "count", "days",
    "protect", "police", "cop", "court", "order", "report", "testif", "lawyer",
    "trust", "luck", "mistake", "choice", "fault", "understand", "believe", "find", "chance",
    "promise", "swear", "mark my", "ready", "nowhere", "anywhere", "know where", "always", "never",
    "forever", "ever",
    "next", "end ", "end.", "done", "enough", "else", "unless", "if you", "if u ", "if ur", "if i ",
    "if he", "if she", "if they", "if any",
    "or i'll", "or i will", "or i'm", "or else", "and i'll", "and i will", "and i'm", "cost",
    "lesson", "consequence", "punish", "revenge", "sure", "mine", "belong", "anyone",
    "nobody", "no one", "one day", "worse", "ugly", "bad", "scared", "afraid", "fear",
    "shake", "trembl", "piece of paper", "leave", "left", "block",
    # presence and surveillance
    "outside", "window", "curtain", "light", "follow", "behind", "across", "street", "road",
    "garden", "car ", "car.", "car?", "cars", "park", "downstairs", "home", "house", "flat",
    "address", "move",
    "know", "knew", "routine", "train", "bus", "gym", "office", "school", "nursery",
    "dentist", "doctor", "lunch", "dinner", "dress", "skirt", "top ", "wear", "hair", "coat",
    "jumper", "shirt", "shoe", "suit", "pretty", "lovely", "beautiful", "sexy",
    "smil", "tired", "sad", "alone", "lonely", "locat", "track", "gps", "password",
    "calls", "message", "key", "code", "refuge", "shelter", "solicitor", "station",
    "here.", "here!", "here,", "near", "close", "every",
    "this morning", "seen",
    "spot", "drive", "drop", "walk", "jog", "run ", "bed", "shower",
    "yoga", "class", "haircut", "yesterday", "evening", "weekend", "through", "email",
    "listen", "read ", "reading", "inside", "enter", "stairs", "lobby", "gate", "lift",
    # images and secrets
    "photo", "pic", "picture", "video", "vid", "tape", "nude", "naked", "sex",
    "share", "send", "sent", "show", "upload", "leak", "expose", "tell", "secret",
    "everyone", "everybody", "online", "internet", "facebook", "insta", "boss", "screenshot",
    "print", "porn", "dirty", "affair", "abortion", "gay", "record", "past", "drug", "rehab",
    "whole", "out you", "reddit", "group chat", "contacts", "slut", "whore",
    # people and animals
    "mum", "mom", "dad", "mother", "father", "sister", "brother", "kid", "child", "son ", "son.",
    "son's",
    "daughter", "baby", "family", "friend", "boyfriend", "girlfriend", "husband", "wife",
    "partner", "parent", "nan ", "nan's", "gran", "grandma", "grandad", "dog", "cat ", "cat.",
    "cats", "pet ", "pets", "horse",
    "bird", "fella", "guy", "man ", "man.", "man?", "man's", "girl", "flatmate", "neighbour",
    "colleague", "nephew",
    "niece", "cousin", "mate", "bloke", "lad ", "lads", "hamster", "rabbit", "pony",
    # narrower forms of words everyday messages use a lot
    "enjoy", "seeing you", "finish work", "your work", "ur work", "after work", "from work",
    "nice of", "nice to see", "look out", "looking good", "looked tired", "looked sad",
    "looked lovely", "looked happy", "looks better", "looked good", "looks good", "i'm here",
    "im here", "saw you at", "saw you with", "saw you in", "saw you on", "saw you leav",
    "saw you today", "saw you this", "saw you last", "saw you cry", "saw u ", "hang myself",
    "hang you", "hanging", "hanged", "tonight you", "tonight.", "last night", "at night",
    "all night", "every night", "post your", "post the", "post it",
    # more, from training threats that had none of the above
    "himself", "herself", "themselves", "respect", "spade", "shovel", "boot", "starv",
    "christmas", "birthday", "wake up", "ground", "your will", "torch", "midnight",
    "till tomorrow", "till friday",
    "until", "note", "goes around", "comes around", "by your", "headphones", "didn't hear",
    "didn't see", "funny how", "things can", "comfortable", "ignore me", "ignoring me",
    "still think", "you think", "wrong with", "nobody", "no one",
    # the second training round's threats that had none of the above
    "survive", "kitchen", "laughing", "day will come",
    # how threats are put (the future aimed at "you"), none of them in everyday filler
    "you'll", "you will", "you're going", "youre going", "ur going", "gonna", "i know",
    "i can see", "i'm going", "im going", "i am going",
    # the third training round's threats that had none of the above (watching, waiting,
    # what was seen, how someone would be hurt)
    "pyjama", "you didn", "didnt see", "didnt hear", "ill be around", "i'll be around",
    "i'll do", "patient", "surprise", "balcony", "pour ", "scald", "douse", "hot oil",
    "paraffin", "charcoal", "hole", "river", "waking", "noticed", "planning", "here again",
    "out the front", "corner", "church", "shift", "diary", "come round", "for now",
    "beginning", "bins", "cardigan", "jacket", "sitting in", "sat in", "i'm out", "im out",
    "up to you", "ill come", "i'll come", "you went", "you sat", "you were", "you wore",
    "you left", "you took", "you had", "you walked", "you changed", "you got", "you always",
    "no place",
    # the fourth training round's threats that had none of the above
    "i'd hate for", "worry about", "swallow", "found you",
)  # fmt: skip

_JA_CUES = (
    "殺", "死", "しね", "ころ", "コロ", "命", "刺", "撃", "銃", "包丁", "ナイフ", "刃", "傷",
    "痛", "殴", "蹴", "叩", "ボコ", "ぼこ", "しば", "いてこま", "折", "砕", "壊", "潰", "燃",
    "火", "灯油", "ガソリン", "硫酸", "塩酸", "漂白", "熱湯", "血", "首", "顔", "骨", "歯",
    "墓", "葬", "埋", "沈", "毒", "病院", "バット", "ハンマー", "刃物", "凶器", "薬", "飛び",
    "屋上", "線路", "橋", "吊", "手首", "遺書", "自殺", "消え", "終わ", "地獄", "苦し", "泣",
    "後悔", "覚え", "覚悟", "許さ", "知らな", "知らん", "わかって", "分かって", "警告",
    "最後", "待", "逃げ", "隠れ", "気をつけ", "気を付け", "夜道", "背後", "報い", "天罰",
    "済む", "済ま", "ただじゃ", "せいぜい", "今のうち", "そのうち", "近いうち", "もうすぐ",
    "時間の問題", "楽しん", "後で", "いつか", "次", "二度と", "一生", "絶対", "警察", "通報",
    "訴え", "裁判", "命令", "安全", "守", "調子", "いい気", "見てろ", "見とけ", "見せて",
    "痛い目", "思い知", "なら", "たら", "ないと", "しないと", "と思うな", "かもね", "かな",
    "外", "前", "窓", "カーテン", "電気", "見て", "見た", "見か", "見え", "見る", "後ろ",
    "振り向", "向かい", "下", "庭", "玄関", "ドア", "鍵", "部屋", "家", "住所", "引っ越",
    "駅", "電車", "会社", "職場", "仕事", "学校", "保育園", "ジム", "病", "歯医者", "弁護士",
    "シェルター", "服", "ワンピース", "スカート", "セーター", "コート", "髪", "似合", "かわい",
    "きれい", "脚", "寝", "帰", "ついて", "つけ", "位置", "gps", "スマホ", "電話", "メール",
    "line", "パスワード", "暗証", "毎", "今日", "昨日", "今夜", "さっき", "ずっと", "いつも",
    "近く", "そば", "知って", "知ってる", "通", "車", "道", "公園", "スーパー", "コンビニ",
    "写真", "画像", "動画", "ビデオ", "映像", "裸", "エロ", "ヌード", "アップ", "ネット",
    "sns", "ばら", "バラ", "晒", "拡散", "流", "送", "見せ", "載せ", "言いふら", "秘密",
    "過去", "本性", "正体", "前科", "不倫", "中絶", "風俗", "みんな", "全員", "twitter",
    "スクショ", "掲示板", "母", "父", "親", "妹", "姉", "弟", "兄", "子", "娘", "息子",
    "家族", "友達", "親友", "彼氏", "彼女", "旦那", "夫", "妻", "男", "女", "犬", "猫",
    "ペット", "インコ", "おばあ", "おじい", "祖母", "祖父", "実家", "ルームメイト", "あいつ",
    "お前", "おまえ", "てめ", "テメ", "貴様", "あんた",
    # more, from training threats that had none of the above
    "ポルノ", "どこにいても", "分かる", "わかる", "代償", "払", "切り裂", "息の根", "新聞",
    "ニュース", "ひどい目", "あわせ", "何する", "事故", "失う", "眠", "一発", "震え",
    "手遅れ", "人生", "安心", "無視", "チャンス", "起き", "許", "恥", "仕返し", "復讐",
    # the second training round's threats that had none of the above
    "不幸", "生かし", "消す", "消したる", "何でも知", "一人で", "出歩", "ベランダ", "柵",
    # how threats are put: "…したる", "…やる", "…ぞ", "…からな", "…けんな"
    "たる", "やる", "ぞ", "からな", "けんな", "ちゃる", "てやろ",
    # the third training round's threats that had none of the above (what was seen, in
    # dialect: "…とったね", "見とる", "おるけん"; menace put mildly)
    "とったね", "とったやろ", "見とる", "気づ", "おるけん", "おったん", "おったよ", "来たよ",
    "させんと", "会お", "思っとる", "起こら", "怖い", "物音", "驚", "アイロン", "押し付け",
    "ホームの端", "郵便", "ゴミ", "パジャマ", "インスタ", "ランチ", "笑っ", "座っとる", "拾っ",
    "無駄", "尽き", "償", "チクタク", "我慢", "お別れ", "貸し", "入管", "朝は来", "切り刻",
    "どうなるか", "ヨガ", "塀", "計画", "取り返し", "相手", "施設", "上がり", "着とった",
    "ドレス", "オートロック", "番号", "そわそわ", "一人やった", "階段", "パーカー", "走り",
    # the fourth training round's threats that had none of the above
    "しんどそう", "笑わん", "見やす", "撮っ", "浮気", "借金", "知れ渡", "おらんくな", "脅",
    "約束や", "コース",
)  # fmt: skip

_KO_CUES = (
    "죽", "뒤져", "뒤지", "쥑", "살", "목숨", "찔", "찌르", "칼", "총", "흉기", "쏴", "쏘",
    "패", "때리", "때려", "맞", "차버", "밟", "부러", "부숴", "부수", "깨", "박살", "뭉개",
    "작살", "불", "태워", "태우", "기름", "휘발유", "염산", "황산", "락스", "끓는", "피",
    "목", "얼굴", "뼈", "이빨", "무덤", "장례", "묻", "빠뜨", "밀어", "독", "병원", "방망이",
    "망치", "쇠파이프", "약", "뛰어내", "옥상", "다리", "한강", "손목", "유서", "자살", "끝",
    "없애", "지옥", "고통", "아프", "울", "후회", "기억", "각오", "용서", "몰라", "경고",
    "마지막", "기다", "도망", "숨", "조심", "밤길", "뒤통수", "벌", "넘어가", "즐겨", "곧",
    "시간문제", "나중", "언젠가", "다음", "다시는", "평생", "절대", "경찰", "신고", "고소",
    "재판", "접근금지", "안전", "지켜", "까불", "두고 봐", "보여줄", "험한", "면", "으면",
    "안 그러면", "밖", "앞", "창", "커튼", "보여", "봤", "보고", "봐", "뒤", "건너편", "밑",
    "마당", "현관", "문", "열쇠", "방", "집", "주소", "이사", "역", "지하철", "회사", "직장",
    "퇴근", "출근", "학교", "어린이집", "헬스", "치과", "변호사", "쉼터", "옷", "원피스",
    "치마", "니트", "코트", "머리", "어울", "예쁘", "다리", "자는", "들어", "따라", "위치",
    "gps", "폰", "전화", "메일", "카톡", "비밀번호", "비번", "매일", "오늘", "어제", "밤",
    "아까", "항상", "늘", "근처", "옆", "알아", "알고", "안다", "차", "길", "공원", "마트",
    "편의점", "사진", "영상", "동영상", "비디오", "알몸", "벗은", "야한", "올릴", "올린",
    "인터넷", "sns", "뿌", "까발", "폭로", "퍼뜨", "퍼져", "유포", "보낼", "보낸", "소문",
    "비밀", "과거", "본모습", "정체", "전과", "바람", "낙태", "유흥", "다들", "모두",
    "트위터", "캡처", "커뮤니티", "엄마", "아빠", "어머니", "아버지", "부모", "동생", "언니",
    "누나", "오빠", "형", "애", "딸", "아들", "가족", "친구", "남친", "여친", "남자친구",
    "여자친구", "남편", "아내", "남자", "여자", "개", "강아지", "고양이", "앵무새", "할머니",
    "할아버지", "본가", "룸메이트", "그 새끼", "너", "니", "네가",
    # more, from training threats that had none of the above
    "가만", "복수", "모른다", "모를", "해치", "망신", "대가", "찢어", "자 둬", "실컷",
    "가르쳐", "뉴스", "거짓말", "되는지", "빠져나", "생각하지 마", "다치", "안 먹", "던져",
    "데려가", "사고", "넘어갈", "잃을", "발 뻗", "자더라", "늦게", "어디 안 가", "인생",
    "한순간", "어딜 가도", "찾아낼", "무시", "용서", "창피", "두고 보", "두고보",
    # the second training round's threats that had none of the above
    "지금뿐", "하루아침", "악물", "눈깔", "다구리", "편할 날", "좋을 때", "조만간",
    # how threats are put: "…버린다", "…해줄게", "…거다", "…줄까"
    "버린", "버릴", "줄게", "해줄", "거다", "줄까", "알아서 해",
    # the third training round's threats that had none of the above (what was seen:
    # "…더라", "…던데"; menace put mildly)
    "짓", "또 보자", "웃던데", "웃어", "돌아오", "또 왔", "무서운", "햄스터", "언제까지",
    "앉네", "갖고 있어", "골라", "운도", "눈 뜨고", "시간 많", "날짜", "째깍", "늦었",
    "참고 있", "소용없", "빚진", "아침은 없", "관 짜", "후드", "나였어", "우편함", "마다",
    "하더라", "가더라", "던데",
    # the fourth training round's threats that had none of the above
    "없어지", "순식간", "코스", "바꿨", "자둬", "못 갈",
)  # fmt: skip

CUES: tuple[str, ...] = tuple(
    dict.fromkeys(c for c in (*_EN_CUES, *_JA_CUES, *_KO_CUES) if len(c.encode("utf-8")) >= 3)
)
