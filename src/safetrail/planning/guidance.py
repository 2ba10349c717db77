"""Guidance pages: plain, calm words about stalking, written for SafeTrail.

Each page is data (headings, paragraphs, bullet points, links) so the web page and
the shareable PDF say exactly the same thing. Strings are gettext msgids.

The page for friends and family ("supporting") is written so it can be handed to
someone on its own: it says nothing about the person who shares it and does not
name SafeTrail.
"""

from __future__ import annotations

from dataclasses import dataclass

from safetrail.errors import RecordNotFound
from safetrail.i18n import N_, _


@dataclass(frozen=True)
class Link:
    label: str  # msgid
    href: str

    def label_text(self) -> str:
        return _(self.label)


@dataclass(frozen=True)
class Block:
    heading: str | None = None  # msgid
    paragraphs: tuple[str, ...] = ()  # msgids
    bullets: tuple[str, ...] = ()  # msgids
    links: tuple[Link, ...] = ()

    def heading_text(self) -> str | None:
        return _(self.heading) if self.heading else None

    def paragraph_texts(self) -> list[str]:
        return [_(p) for p in self.paragraphs]

    def bullet_texts(self) -> list[str]:
        return [_(b) for b in self.bullets]


@dataclass(frozen=True)
class Page:
    slug: str
    title: str  # msgid
    summary: str  # msgid, for the index
    blocks: tuple[Block, ...]
    shareable: bool = False

    def title_text(self) -> str:
        return _(self.title)

    def summary_text(self) -> str:
        return _(self.summary)


IS_THIS_STALKING = Page(
    "is-this-stalking",
    N_("Is this stalking?"),
    N_("Three questions that help you see the pattern, not just the single events."),
    (
        Block(
            paragraphs=(
                N_(
                    "Stalking is rarely one dramatic event. It is usually many small things "
                    "that each look ordinary to others: a message, a car outside, a 'chance' "
                    "meeting, a comment that shows they know where you were. Together they "
                    "form a pattern, and the pattern is what matters."
                ),
                N_(
                    "If you are asking yourself whether you are overreacting, you are not "
                    "alone in that, and the question itself tells you something is wrong."
                ),
            ),
        ),
        Block(
            N_("Three questions"),
            bullets=(
                N_(
                    "Is it against your will? It carries on although you have said or shown "
                    "that you do not want it."
                ),
                N_(
                    "Does it keep happening? It has happened more than once, even if not in "
                    "exactly the same way each time."
                ),
                N_(
                    "Does it make you afraid, anxious or distressed? Your fear counts, even "
                    "when others cannot see why an 'ordinary' thing frightens you."
                ),
            ),
            paragraphs=(
                N_(
                    "If the answer to these is yes, what is happening to you may well be "
                    "stalking. You do not need to be certain to ask for help."
                ),
            ),
        ),
        Block(
            N_("Things stalkers often do"),
            bullets=(
                N_("Calling, texting or messaging again and again, including silent calls"),
                N_("Following you, or waiting near your home, work or school"),
                N_("Turning up where you are without being invited"),
                N_("Sending or leaving gifts, letters or other things"),
                N_("Tracking you with apps, tags, hidden cameras or your own accounts"),
                N_("Getting into your accounts, or pretending to be you online"),
                N_("Spreading rumours, or posting or threatening to post intimate images"),
                N_("Contacting your family, friends or colleagues"),
                N_("Damaging your things, threatening you, the people you love or your pets"),
            ),
            paragraphs=(
                N_(
                    "Most people who stalk know the person they target, often a former "
                    "partner. Most use more than one of these, and it can get worse over time."
                ),
            ),
        ),
        Block(
            N_("Look at your own record"),
            paragraphs=(
                N_(
                    "The patterns page shows what you have recorded so far: how often, what "
                    "kinds of behaviour, and whether it is changing. Below is what the law "
                    "says where you live (it is information, not legal advice)."
                ),
            ),
            links=(Link(N_("See the patterns in your record"), "/analysis"),),
        ),
    ),
)

NOT_YOUR_FAULT = Page(
    "not-your-fault",
    N_("You are not to blame"),
    N_("Nothing you did or did not do makes this your fault."),
    (
        Block(
            paragraphs=(
                N_(
                    "Anyone can be stalked. It does not happen because someone was too "
                    "friendly, not firm enough, or 'led them on'. The person doing it chooses "
                    "to do it, and only they are responsible for it."
                ),
                N_(
                    "You cannot control what they do. What you can do is look after your "
                    "safety, keep a record, and get support, one step at a time."
                ),
            ),
        ),
        Block(
            N_("Words that are wrong"),
            paragraphs=(
                N_(
                    "You may hear things that make it sound small or make it sound like your "
                    "doing. They are wrong, even when meant kindly:"
                ),
            ),
            bullets=(
                N_("'They just really like you.' Wanting someone is no right to frighten them."),
                N_("'It's harmless, they haven't hurt you.' Stalking harms without a blow."),
                N_("'Why did you answer them?' The question is why they keep contacting you."),
                N_("'Just tell them off.' Many stalkers take any reaction as encouragement."),
            ),
        ),
        Block(
            N_("Your feelings make sense"),
            paragraphs=(
                N_(
                    "Fear, anger, exhaustion, guilt, trouble sleeping or concentrating: these "
                    "are normal reactions to being stalked. Talking to a helpline or a doctor "
                    "can help, whether or not you report to the police."
                ),
            ),
            links=(Link(N_("Helplines where you live"), "/resources"),),
        ),
    ),
)

EVIDENCE = Page(
    "evidence",
    N_("Collecting evidence well"),
    N_("What makes a record useful to the police and courts, and how to keep it safe."),
    (
        Block(
            paragraphs=(
                N_(
                    "Evidence helps even if you never report. If things get worse, or you "
                    "change your mind, it will be there. You do not need a log to go to the "
                    "police, but a log helps them see that these are not isolated events."
                ),
            ),
        ),
        Block(
            N_("For each incident, write down"),
            bullets=(
                N_("The date and time, and where it happened"),
                N_("What happened, in your own words, including what was said"),
                N_("Who saw it, and how to reach them"),
                N_("How it made you feel, and anything you changed because of it"),
                N_("Any police contact: the reference number and the officer's name"),
            ),
            paragraphs=(
                N_(
                    "Write it as soon as it is safe to. A note made at the time carries more "
                    "weight than one written weeks later. A rough time is fine: you can say "
                    "'about' or give a range."
                ),
            ),
            links=(Link(N_("Record an incident"), "/capture"),),
        ),
        Block(
            N_("Keep the originals"),
            bullets=(
                N_("Do not delete messages, voicemails, emails or call logs, even upsetting ones."),
                N_("Screenshot messages and posts so the date, time and sender show."),
                N_("Photograph disappearing messages with a second camera."),
                N_("Photograph damage and injuries before they are repaired or heal."),
                N_(
                    "Leave gifts and letters untouched where you can, and ask the police how to "
                    "keep them."
                ),
                N_("Ask your phone company for call records that show how often they called."),
                N_(
                    "Ask quickly for camera footage from shops, transport or building security: "
                    "it is often deleted after a few weeks."
                ),
            ),
            links=(Link(N_("Add evidence files"), "/evidence"),),
        ),
        Block(
            N_("Keep private thoughts private"),
            paragraphs=(
                N_(
                    "Your record may be shown to the other side in court. Keep it to facts. "
                    "Put anything you would not want them to read in the private note, which "
                    "SafeTrail never includes in a shared report."
                ),
            ),
        ),
    ),
)

TELLING_PEOPLE = Page(
    "telling-people",
    N_("Telling people, and what to ask of them"),
    N_("Who to tell, what to tell them, and how they can help."),
    (
        Block(
            paragraphs=(
                N_(
                    "Stalking depends on secrecy. When the people around you know, they can "
                    "watch out for you, avoid giving away where you are, and be witnesses. "
                    "You decide who to tell and how much."
                ),
            ),
        ),
        Block(
            N_("People worth telling"),
            bullets=(
                N_("Close family and friends"),
                N_("Neighbours or your building manager"),
                N_("Your employer, school or college, and their security staff"),
                N_("Your doctor, and anyone who looks after your children"),
            ),
        ),
        Block(
            N_("What to tell them"),
            bullets=(
                N_("Who the person is, with a photo or description, and their vehicle"),
                N_("What they have been doing, briefly"),
                N_("What you would like them to do, and what you would rather they did not do"),
            ),
        ),
        Block(
            N_("What you can ask of them"),
            bullets=(
                N_("Never share your address, number, plans or whereabouts with anyone who asks."),
                N_("Not to pass on messages or gifts from the person, and not to argue with them."),
                N_(
                    "If the person contacts them: note the date, time and what was said, keep any "
                    "messages, and tell you."
                ),
                N_("To call the emergency number if they see you in danger."),
                N_(
                    "To be a check-in buddy: to know where you are going and what to do if you do "
                    "not arrive."
                ),
            ),
            links=(
                Link(N_("Add your trusted people to your plan"), "/plan/people"),
                Link(N_("A page to give to friends and family"), "/guidance/supporting"),
                Link(N_("Make a lookout sheet for neighbours or a school"), "/lookout"),
            ),
        ),
    ),
)

SUPPORTING = Page(
    "supporting",
    N_("Supporting someone who is being stalked"),
    N_("For friends and family: what helps, what to avoid, and what to do if you are contacted."),
    (
        Block(
            paragraphs=(
                N_(
                    "Someone you care about has told you they are being stalked. Most people "
                    "talk to a friend or relative before anyone else, so how you respond can "
                    "decide whether they feel believed and go on to get help."
                ),
            ),
        ),
        Block(
            N_("Believe them"),
            paragraphs=(
                N_(
                    "Take what they tell you seriously, even if each thing sounds small. "
                    "Stalking is a pattern, and it can be dangerous even when nobody has been "
                    "hurt. Say things like 'That sounds frightening' or 'I'm glad you told me'."
                ),
                N_(
                    "Avoid explaining the behaviour away, for example 'maybe they just miss "
                    "you' or 'they probably don't realise it bothers you'."
                ),
            ),
        ),
        Block(
            N_("Keep the focus on what the stalker does"),
            paragraphs=(
                N_(
                    "Questions like 'Why did you reply?' or 'Why did you go there?' can feel "
                    "like blame, even when meant kindly. Nothing the person did makes the "
                    "stalking acceptable. Say so: 'It's not right that they keep doing this.'"
                ),
            ),
        ),
        Block(
            N_("Help them think, and respect their choices"),
            bullets=(
                N_("Thank them for trusting you."),
                N_(
                    "Help them look at options: specialist helplines, support services, the "
                    "police, a protective order."
                ),
                N_("Encourage them to keep a record of every incident and to keep evidence."),
                N_(
                    "Let them decide. They know their situation best, and pushing can make things "
                    "less safe."
                ),
            ),
        ),
        Block(
            N_("Protect their privacy"),
            bullets=(
                N_(
                    "Never share anything about them with the stalker, or with people who might "
                    "pass it on."
                ),
                N_("Ask who else knows, and who they do not want told."),
                N_("Do not post photos, check-ins or plans that show where they are or will be."),
                N_(
                    "Ask how they would like you to contact them: some stalkers watch phones, "
                    "email or social media."
                ),
            ),
        ),
        Block(
            N_("If the stalker contacts you"),
            bullets=(
                N_(
                    "Do not give any information about the person, and do not argue or pass on "
                    "messages."
                ),
                N_(
                    "Write down the date, time and what was said, and keep any messages or "
                    "screenshots."
                ),
                N_("Tell the person, in the way they asked you to contact them."),
                N_("If someone is in danger, call the emergency number."),
            ),
        ),
        Block(
            N_("Keep checking in"),
            paragraphs=(
                N_(
                    "Stalking often goes on for a long time, and what the person needs may "
                    "change. Keep asking 'What would help you feel safer?' You could offer to "
                    "be someone they tell when they go out and arrive, and agree what you "
                    "will do if they do not get in touch."
                ),
                N_(
                    "Supporting someone through this is hard. It is fine to get support for "
                    "yourself too, from the same helplines."
                ),
            ),
        ),
    ),
    shareable=True,
)

CONTINUED_CONTACT = Page(
    "continued-contact",
    N_("When some contact has to continue"),
    N_("Shared care of children, handovers, and keeping the log honest."),
    (
        Block(
            paragraphs=(
                N_(
                    "Stopping all contact is usually the safest course, but it is not always "
                    "possible. Many people share the care of their children with the person "
                    "who is stalking them, and a court order or an agreement may say how they "
                    "must stay in touch. Needing some contact does not make what they do your "
                    "fault, and it does not make the rest of their behaviour acceptable."
                ),
            ),
        ),
        Block(
            N_("Keep permitted contact narrow and on record"),
            bullets=(
                N_("Use one channel for it, such as one messaging app or one email address."),
                N_("Keep it to the children: times, places, school and health."),
                N_("Hand over in a public place, or one the order names, at agreed times."),
                N_(
                    "Record the arrangement in SafeTrail, so permitted messages are kept apart "
                    "from contact that breaks your notice or an order."
                ),
                N_(
                    "Anything outside it, such as another channel, another time or another "
                    "subject, still counts, and a threat counts wherever it appears."
                ),
            ),
            links=(Link(N_("Record an arrangement"), "/arrangements"),),
        ),
        Block(
            N_("Why the difference matters"),
            paragraphs=(
                N_(
                    "Continued contact can change how the police or a court see a protective "
                    "order or a criminal case. If handover messages the court allowed are "
                    "mixed in with contact it forbade, the other side may use them to cast "
                    "doubt on the whole log. Marking what was allowed, and saying how much of "
                    "it there was, makes the rest of the record harder to attack."
                ),
            ),
        ),
        Block(
            N_("Questions to take to an advocate or a lawyer"),
            bullets=(
                N_("What exactly does my order allow, and what does it forbid?"),
                N_("Could replying to a handover message affect my order or a criminal case?"),
                N_("Can handovers happen through someone else, or at a supervised centre?"),
                N_("Can the court change the arrangement if the contact is used to frighten me?"),
                N_("What should I do if the person breaks the arrangement at a handover?"),
            ),
        ),
        Block(
            N_("Keeping the children safe"),
            bullets=(
                N_("Tell the school or nursery who may and may not collect them."),
                N_("Agree a plan for handovers that go wrong, and teach the children a safe exit."),
                N_("Keep copies of the order where the school and you can reach them."),
            ),
            links=(Link(N_("Children in your safety plan"), "/plan"),),
        ),
    ),
)

PAGES: tuple[Page, ...] = (
    IS_THIS_STALKING,
    NOT_YOUR_FAULT,
    EVIDENCE,
    TELLING_PEOPLE,
    CONTINUED_CONTACT,
    SUPPORTING,
)

# What to say when you call for help: the same everywhere.
CALL_SCRIPT: tuple[str, ...] = (
    N_("Where you are first: the address, or a landmark, shop or street corner."),
    N_("What is happening now, in a few words: 'A man who stalks me is outside my door.'"),
    N_("Whether the person is there now, and what they look like or drive."),
    N_("If there is a protective order, say so."),
    N_("Stay on the line if you can, and follow what the operator says."),
)


def page(slug: str) -> Page:
    found = next((p for p in PAGES if p.slug == slug), None)
    if found is None:
        raise RecordNotFound(
            _("There is no guidance page called {name}.").format(name=slug),
            _("Choose a page from the guidance list."),
        )
    return found
