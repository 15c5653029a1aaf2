"""Accounts of the admin web app: argon2id password hashes (argon2-cffi), made with
`python -m bot admin-user add <name>`; five wrong passwords in a row lock an account for
15 minutes. Logins, failures and changes are in the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from bot.admin_web.models import ROLES, AdminUser
from bot.store import Store
from bot.store.models import AuditEntry

MAX_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
_hasher = PasswordHasher()
# verifying against this when the name is unknown takes as long as a real check, so the
# answer time does not tell which names exist
_DUMMY_HASH = _hasher.hash("not a password of anyone")


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    role: str


class Accounts:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(self, name: str, password: str, role: str = "beheerder") -> Account:
        name = name.strip()
        if not name or len(name) > 64 or not name.replace(".", "").replace("-", "").replace(
                "_", "").isalnum():
            raise ValueError("Een naam bestaat uit letters, cijfers, punt, streepje of "
                             "liggend streepje (hoogstens 64 tekens).")
        if role not in ROLES:
            raise ValueError(f"Rol moet een van {', '.join(ROLES)} zijn.")
        check_password(password)
        with self.store.sessions.begin() as session:
            if session.scalars(select(AdminUser).where(AdminUser.name == name)).first():
                raise ValueError(f"Er is al een account {name}.")
            user = AdminUser(name=name, password_hash=_hasher.hash(password), role=role,
                             active=True, failed_logins=0, created_at=datetime.now(UTC))
            session.add(user)
            session.add(AuditEntry(actor="admin-cli", action="admin_user_added",
                                   client_id=None, detail=f"{name} ({role})"))
            session.flush()
            return Account(user.id, user.name, user.role)

    def set_password(self, name: str, password: str) -> None:
        check_password(password)
        with self.store.sessions.begin() as session:
            user = self._get(session, name)
            user.password_hash = _hasher.hash(password)
            user.failed_logins, user.locked_until = 0, None
            session.add(AuditEntry(actor="admin-cli", action="admin_password_set",
                                   client_id=None, detail=name))

    def set_active(self, name: str, active: bool) -> None:
        with self.store.sessions.begin() as session:
            self._get(session, name).active = active
            session.add(AuditEntry(actor="admin-cli", action="admin_user_"
                                   + ("enabled" if active else "disabled"), client_id=None,
                                   detail=name))

    def list(self) -> list[tuple[str, str, bool, datetime | None]]:
        with self.store.session() as session:
            return [(u.name, u.role, u.active, u.last_login_at) for u in
                    session.scalars(select(AdminUser).order_by(AdminUser.name))]

    def get(self, account_id: int) -> Account | None:
        with self.store.session() as session:
            user = session.get(AdminUser, account_id)
            return Account(user.id, user.name, user.role) if user and user.active else None

    def verify(self, name: str, password: str, now: datetime | None = None) -> Account | None:
        """The account if name and password are right and it is neither disabled nor
        locked; each failure counts towards the lock."""
        now = now or datetime.now(UTC)
        with self.store.sessions.begin() as session:
            user = session.scalars(select(AdminUser).where(AdminUser.name == name)).first()
            if user is None or not user.active:
                _verify(_DUMMY_HASH, password)
                session.add(AuditEntry(actor="web", action="admin_login_failed",
                                       client_id=None, detail="unknown or disabled account"))
                return None
            locked = user.locked_until and _aware(user.locked_until) > now
            if locked or not _verify(user.password_hash, password):
                if not locked:
                    user.failed_logins += 1
                    if user.failed_logins >= MAX_FAILURES:
                        user.locked_until, user.failed_logins = now + LOCK_FOR, 0
                session.add(AuditEntry(actor=f"admin:{user.name}", action="admin_login_failed",
                                       client_id=None,
                                       detail="locked" if locked else "wrong password"))
                return None
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = _hasher.hash(password)
            user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
            session.add(AuditEntry(actor=f"admin:{user.name}", action="admin_login",
                                   client_id=None, detail=user.role, at=now))
            return Account(user.id, user.name, user.role)

    @staticmethod
    def _get(session, name: str) -> AdminUser:  # type: ignore[no-untyped-def]
        user = session.scalars(select(AdminUser).where(AdminUser.name == name)).first()
        if user is None:
            raise ValueError(f"Er is geen account {name}.")
        return user


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Een wachtwoord heeft minstens {MIN_PASSWORD_LENGTH} tekens.")


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
