"""Times are shown in the viewer's zone (the browser's ``tz`` cookie), compact, with the UTC instant in ``<time>``."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from portal.models import User
from tests.functional.dashboard_support import load_demo, log_in_as

LAST_LOGIN = datetime(2025, 7, 1, 22, 30, tzinfo=UTC)


def users_page(client, db_session, app, zone: str | None) -> str:
    load_demo(app, db_session)
    log_in_as(client, "admin")
    db_session.execute(sa.update(User).where(User.email == "viewer@demo.example").values(last_login_at=LAST_LOGIN))
    db_session.commit()
    if zone is not None:
        client.set_cookie("tz", zone)
    return client.get("/dashboard/users").get_data(as_text=True)


def viewer_login_time(html: str) -> re.Match:
    row = html[html.index("viewer@demo.example") :]
    match = re.search(r'<time datetime="([^"]+)" title="([^"]+)" class="when">([^<]+)</time>', row)
    assert match, "the last log-in is a <time> element"
    return match


def test_a_browser_in_berlin_sees_berlin_time_with_the_utc_instant_kept(app, client, db_session):
    time = viewer_login_time(users_page(client, db_session, app, "Europe/Berlin"))

    assert time.group(1) == "2025-07-01T22:30:00Z"
    assert "UTC" in time.group(2) and "10:30" in time.group(2)
    # 22:30 UTC is half past midnight the next day in Berlin (CEST).
    assert time.group(3) == "Jul 2, 2025, 12:30\u202fAM"


def test_without_a_zone_the_time_is_utc_and_says_so(app, client, db_session):
    time = viewer_login_time(users_page(client, db_session, app, None))

    assert time.group(3) == "Jul 1, 2025, 10:30\u202fPM UTC"


def test_a_zone_name_that_is_not_a_zone_is_ignored(app, client, db_session):
    users_page(client, db_session, app, None)
    for bogus in ("../../etc/passwd", "/etc/localtime", "Mars/Olympus_Mons", "x" * 200, "Europe/Berlin\u202e"):
        client.set_cookie("tz", bogus)
        response = client.get("/dashboard/users")

        assert response.status_code == 200, bogus
        assert viewer_login_time(response.get_data(as_text=True)).group(3).endswith(" UTC"), bogus
