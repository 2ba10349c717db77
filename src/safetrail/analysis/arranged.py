"""How many records fell inside each permitted contact arrangement.

The report and the Patterns page say plainly which arrangements exist and how much contact
they covered, so nobody can say permitted handover messages were hidden or counted against
the other parent. Threat flags are counted too: a threat inside an arrangement is still a
threat.
"""

from __future__ import annotations

from dataclasses import dataclass

from safetrail.analysis.facts import ArrangementFact, CaseFacts
from safetrail.analysis.threats import ThreatFlag
from safetrail.analysis.timeline import ContactTable, IncidentTable

__all__ = ["ArrangementCount", "count_inside"]


@dataclass(frozen=True)
class ArrangementCount:
    arrangement: ArrangementFact
    incidents: int  # incidents confirmed inside it
    contacts: int  # calls and messages confirmed inside it
    flagged: int  # of those, how many still carry threatening words


def count_inside(
    facts: CaseFacts,
    table: IncidentTable,
    contacts: ContactTable,
    incident_flags: dict[int, ThreatFlag],
    contact_flags: dict[int, ThreatFlag],
) -> tuple[ArrangementCount, ...]:
    inside = facts.inside
    by_ref = {a.ref: [0, 0, 0] for a in facts.arrangements}
    if inside:
        for i, fact in enumerate(table.facts):
            ref = inside.get(fact.id)
            if ref in by_ref:
                by_ref[ref][0] += 1
                by_ref[ref][2] += i in incident_flags
        refs = contacts.log.refs
        if refs:
            for position, index in enumerate(contacts.index.tolist()):
                ref = inside.get(refs[index] or "")
                if ref in by_ref:
                    by_ref[ref][1] += 1
                    by_ref[ref][2] += position in contact_flags
    return tuple(
        ArrangementCount(a, by_ref[a.ref][0], by_ref[a.ref][1], by_ref[a.ref][2])
        for a in facts.arrangements
    )
