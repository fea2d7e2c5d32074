"""Who else hears about a case: adding followers and handing them to a duplicate's parent.

A follower is a resident who reported the same problem (or asked to be told);
they get the case's notices like the requester. Nobody is added twice: an
address, phone or email already on the case (as requester or follower) is
enough to be the same person.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from . import validation as v
from .authors import SERVICE, Author
from .errors import ValidationError
from .models import Activity, Case, Follower, utcnow


def add_follower(session: Session, case: Case, contact: dict, *, author: Author = SERVICE) -> bool:
    """Add someone to the case's notices (and a public ``followed`` entry); commits.

    ``contact`` has ``email``/``phone``/``channel_address`` (at least one).
    Returns False when that person already follows the case. The timeline
    entry never names them.
    """
    if not isinstance(contact, dict):
        raise ValidationError({"body": "must be a JSON object"}, malformed=True)
    problems = v.Problems()
    person = {
        "email": v.email(problems, contact.get("email"), "email"),
        "phone": v.phone(problems, contact.get("phone"), "phone"),
        "channel_address": v.channel_address(problems, contact.get("channel_address"),
                                             "channel_address"),
    }
    problems.raise_if_any()
    if not any(person.values()):
        raise ValidationError({"email": "give an email, phone or channel_address"})
    if already_follows(case, person):
        return False
    case.followers.append(Follower(**person))
    now = utcnow()
    case.updated_at = now
    session.add(Activity(case=case, kind="followed", note="", public=True,
                         author_type=author.type, author_id=author.id, author_name=author.name,
                         data={}, created_at=now))
    session.commit()
    return True


def already_follows(case: Case, person: dict) -> bool:
    """True when any of ``person``'s email, phone or address is the requester's or a follower's."""

    def same(a: dict) -> bool:
        return any(person[k] and person[k] == a.get(k) for k in person)

    requester = {"email": case.requester_email, "phone": case.requester_phone,
                 "channel_address": case.requester_address}
    followers = [{"email": f.email, "phone": f.phone, "channel_address": f.channel_address}
                 for f in case.followers]
    return same(requester) or any(same(f) for f in followers)


def move_followers(child: Case, parent: Case) -> None:
    """Give the parent case the child's requester and followers as followers (no commit)."""
    people = [{"email": child.requester_email, "phone": child.requester_phone,
               "channel_address": child.requester_address}]
    people += [{"email": f.email, "phone": f.phone, "channel_address": f.channel_address}
               for f in child.followers]
    for person in people:
        if any(person.values()) and not already_follows(parent, person):
            parent.followers.append(Follower(**person))
