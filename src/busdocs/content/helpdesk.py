"""The help desk playbook (`data/helpdesk.yml`) as Markdown: response targets, triage categories
with canned replies that link the FAQ's answers on the help center, and the escalation to ops.
Payment replies reuse the cases of `data/service.yml`, so the desk says what the help center says."""

from __future__ import annotations

from busdocs.content.helpcenter import faq_anchors
from busdocs.content.ops_reference import table
from busdocs.content.service import payment_failure
from busdocs.data.loader import DataSet
from busdocs.errors import BusdocsError


class UnknownFaqAnchor(BusdocsError):
    """A canned reply links a FAQ answer that does not exist."""


def faq_url(data: DataSet, anchor: str) -> str:
    """The public URL of a FAQ answer, checked against the FAQ's anchors."""
    known = {a for section in faq_anchors(data.faq) for a in section}
    if anchor not in known:
        raise UnknownFaqAnchor(f"data/helpdesk.yml links FAQ answer {anchor!r}, which the FAQ does not have")
    return f"https://{data.site.domains.help}/faq/#{anchor}"


def priorities_markdown(data: DataSet) -> str:
    return table(["Priority", "Means", "First answer", "Solved or handed over"],
                 [(f"**{p.name}**", p.meaning, p.first_response, p.resolve) for p in data.helpdesk.priorities])


def channels_markdown(data: DataSet) -> str:
    """The support channels with their hours and targets, from `data/site.yml` (one source)."""
    return table(["Channel", "Where", "Open", "Target"],
                 [(c.label, c.address, c.hours, c.response_time) for c in data.site.support.channels])


def categories_table(data: DataSet) -> str:
    return table(["Category", "Who asks", "Sounds like", "Priority"],
                 [(f"[{c.name}](#{c.id})", c.audience, "; ".join(f"“{r}”" for r in c.recognise[:3]),
                   c.priority.upper()) for c in data.helpdesk.categories])


def categories_markdown(data: DataSet) -> str:
    """One section per category: how to recognise it, what to ask, the reply to paste, when it leaves."""
    out = []
    for c in data.helpdesk.categories:
        out.append(f"### {c.name} {{ #{c.id} }}\n")
        out.append(f"**Priority {c.priority.upper()}.** Who asks: {c.audience}. Sounds like: "
                   + "; ".join(f"“{r}”" for r in c.recognise) + ".\n")
        if c.ask_for:
            out.append("**Ask for:** " + "; ".join(c.ask_for) + ".\n")
        reply = [c.reply.strip()]
        for fid in c.payment_failures:
            f = payment_failure(data.service, fid)
            steps = " ".join(f"{n}. {s.strip()}" for n, s in enumerate(f.what_to_do, 1))
            reply.append(f"If you see “{f.message.strip()}”: {steps} {f.money_back.strip()}")
        for anchor in c.faq:
            reply.append(f"More: {faq_url(data, anchor)}")
        out.append("**Reply** (paste, then add the person's details):\n")
        out.append("\n".join(f"> {line}\n>" for line in reply).rstrip(">").rstrip() + "\n")
        if c.escalate_when:
            out.append("**Escalate when:**\n")
            out += [f"- {e.strip()}" for e in c.escalate_when]
            out.append("")
        out.append(f"**Hand to:** {c.hand_to}.\n")
    return "\n".join(out)


def escalation_markdown(data: DataSet) -> str:
    desk = data.helpdesk
    items = "\n".join(f"- {e.strip()}" for e in desk.escalate_to_ops)
    return (f"{items}\n\nPost this in `{data.oncall.incident_channel}` and, for P1, call the primary "
            f"on-call through PagerDuty:\n\n```text\n{desk.escalation_message.strip()}\n```\n")
