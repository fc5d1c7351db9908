"""The demo organisation that ``flask lms demo`` sets up (idempotent: re-running updates in
place)."""

from __future__ import annotations

from lms.database import DbSession
from lms.people.importer import ImportResult, import_org_chart
from lms.people.models import User
from lms.people.services import find_user_by_email, hash_password

# Only ever set by the demo command on a local demo database, and printed by it.
DEMO_PASSWORD = "learn-ai-together"  # noqa: S105

DEMO_LOGINS = {
    "employee": "eli.employee@example.com",
    "manager": "maya.manager@example.com",
    "author": "ada.author@example.com",
    "executive/admin": "alex.exec@example.com",
}

DEMO_ORG_CSV = """\
email,name,function,title,manager_email,roles
alex.exec@example.com,Alex Morgan,leadership,Chief Executive Officer,,executive admin
priya.cto@example.com,Priya Raman,leadership,Chief Technology Officer,alex.exec@example.com,executive
sam.cro@example.com,Sam Okafor,leadership,Chief Revenue Officer,alex.exec@example.com,executive
jo.coo@example.com,Jo Lindqvist,leadership,Chief Operating Officer,alex.exec@example.com,executive
maya.manager@example.com,Maya Chen,engineering,Engineering Manager,priya.cto@example.com,
eli.employee@example.com,Eli Turner,engineering,Software Engineer,maya.manager@example.com,
noah.dev@example.com,Noah Becker,engineering,Senior Software Engineer,maya.manager@example.com,
lena.dev@example.com,Lena Fischer,engineering,Software Engineer,maya.manager@example.com,
omar.dev@example.com,Omar Haddad,engineering,Site Reliability Engineer,maya.manager@example.com,
ravi.lead@example.com,Ravi Patel,engineering,Platform Team Lead,maya.manager@example.com,
zoe.dev@example.com,Zoe Martin,engineering,Software Engineer,ravi.lead@example.com,
ken.dev@example.com,Ken Sato,engineering,Software Engineer,ravi.lead@example.com,
ada.author@example.com,Ada Novak,hr,Learning and Development Lead,jo.coo@example.com,author
hana.hr@example.com,Hana Kowalski,hr,HR Business Partner,jo.coo@example.com,
felix.fin@example.com,Felix Wagner,finance,Finance Manager,jo.coo@example.com,
mia.fin@example.com,Mia Rossi,finance,Financial Analyst,felix.fin@example.com,
tom.ops@example.com,Tom Byrne,operations,Operations Manager,jo.coo@example.com,
ivy.ops@example.com,Ivy Nguyen,operations,Procurement Specialist,tom.ops@example.com,
lucas.legal@example.com,Lucas Meyer,legal,Legal Counsel,jo.coo@example.com,
sara.sales@example.com,Sara Lopez,sales,Head of Sales,sam.cro@example.com,
ben.sales@example.com,Ben Clarke,sales,Account Executive,sara.sales@example.com,
amy.sales@example.com,Amy Park,sales,Account Executive,sara.sales@example.com,
dan.mkt@example.com,Dan Weiss,marketing,Marketing Manager,sam.cro@example.com,
ella.mkt@example.com,Ella Schmidt,marketing,Content Marketer,dan.mkt@example.com,
carla.cs@example.com,Carla Silva,customer-support,Support Team Lead,sam.cro@example.com,
yusuf.cs@example.com,Yusuf Demir,customer-support,Support Specialist,carla.cs@example.com,
nina.cs@example.com,Nina Ivanova,customer-support,Support Specialist,carla.cs@example.com,
kai.it@example.com,Kai Andersen,it-and-security,Head of IT and Security,priya.cto@example.com,
rosa.sec@example.com,Rosa Jimenez,it-and-security,Security Analyst,kai.it@example.com,
jonas.dev@example.com,Jonas Berg,engineering,Data Engineer,maya.manager@example.com,
tariq.dev@example.com,Tariq Rahman,engineering,Software Engineer,maya.manager@example.com,
"""  # noqa: E501


def set_up_demo_org(session: DbSession) -> ImportResult:
    """Import the demo org chart and give every demo person the demo password."""
    result = import_org_chart(session, DEMO_ORG_CSV)
    password_hash = hash_password(DEMO_PASSWORD)
    for line in DEMO_ORG_CSV.splitlines()[1:]:
        user = find_user_by_email(session, line.split(",", 1)[0])
        if isinstance(user, User) and not user.password_hash:
            user.password_hash = password_hash
    session.flush()
    return result
