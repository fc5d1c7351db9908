"""Use cases in the search index: a document for each published case, none for any other status
(a draft, a case waiting for review, a declined or removed one is never found)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.database import DbSession
from lms.people.models import JOB_FUNCTIONS
from lms.search.index import Document, put, remove, text_of
from lms.usecases.models import UseCase

KIND = "use-case"


def index_use_case(session: DbSession, use_case_id: int) -> None:
    """Bring the case's document in line with it: there while published, gone otherwise."""
    case = session.scalar(
        select(UseCase).where(UseCase.id == use_case_id).options(joinedload(UseCase.area_rows))
    )
    if case is None or case.status != "published":
        remove(session, KIND, [str(use_case_id)])
        return
    function = JOB_FUNCTIONS.get(case.job_function, case.job_function)
    body = " ".join(
        text_of(html)
        for html in (case.task_html, case.steps_html, case.checks_html, case.risks_html)
    )
    put(
        session,
        Document(
            kind=KIND,
            key=str(case.id),
            title=case.title,
            body=f"{body} {case.tool_name}",
            endpoint="usecases.detail",
            endpoint_args={"use_case_id": case.id},
            context=f"Use case · {function} · {case.tool_name}",
            tags={"area": case.areas, "function": [case.job_function], "tool": [case.tool_name]},
        ),
    )


def index_all_use_cases(session: DbSession) -> int:
    """Re-index every published case (``lms search reindex``); how many there are."""
    remove(session, KIND)
    ids = list(session.scalars(select(UseCase.id).where(UseCase.status == "published")))
    for use_case_id in ids:
        index_use_case(session, use_case_id)
    return len(ids)
