"""Deep links into the AWS console, built for one environment's account and region.

Pure functions from names to URLs, in the shapes the console itself uses (checked by
`tests/test_runbooks.py` against URLs copied from the console). A link for an account whose id is
recorded goes through the IAM Identity Center portal, so it opens signed in to the right account
and role; without an id it is the plain console link (sign in to the right account first).
"""

from __future__ import annotations

from urllib.parse import quote

LOGS_INSIGHTS_WINDOW = 3600
"""Seconds of logs a Logs Insights link queries, ending now."""


def console(region: str, service: str, fragment: str = "") -> str:
    """`https://<region>.console.aws.amazon.com/<service>/home?region=<region>#<fragment>`."""
    url = f"https://{region}.console.aws.amazon.com/{service}/home?region={region}"
    return f"{url}#{fragment}" if fragment else url


def cloudwatch_alarm(region: str, name: str) -> str:
    """The alarm's page: state, history, graph."""
    return console(region, "cloudwatch", f"alarmsV2:alarm/{quote(name, safe='')}")


def cloudwatch_dashboard(region: str, name: str) -> str:
    return console(region, "cloudwatch", f"dashboards/dashboard/{quote(name, safe='')}")


def _jsurl(text: str) -> str:
    """A string as the console's query detail (JSURL) writes it: letters, digits and `-_.` stay,
    `$` becomes `!`, other characters `*xx` (or `**xxxx` beyond one byte)."""
    out = []
    for ch in text:
        if ch.isascii() and (ch.isalnum() or ch in "-_."):
            out.append(ch)
        elif ch == "$":
            out.append("!")
        elif ord(ch) < 0x100:
            out.append(f"*{ord(ch):02x}")
        else:
            out.append(f"**{ord(ch):04x}")
    return "".join(out)


def logs_insights(region: str, log_groups: list[str], query: str, seconds: int = LOGS_INSIGHTS_WINDOW) -> str:
    """Logs Insights with the query typed in and the log groups chosen, over the last `seconds`."""
    sources = "".join(f"~'{_jsurl(g)}" for g in log_groups)
    detail = (f"~(end~0~start~-{seconds}~timeType~'RELATIVE~unit~'seconds~editorString~'{_jsurl(query)}"
              f"~source~({sources}))")
    # the console escapes its fragment's query string with `$` where a URL has `%`
    return console(region, "cloudwatch", "logsV2:logs-insights" + quote(f"?queryDetail={detail}", safe="~()'*-_.")
                   .replace("%", "$"))


def rds_instance(region: str, identifier: str) -> str:
    return console(region, "rds", f"database:id={identifier};is-cluster=false")


def elasticache_redis(region: str, replication_group: str) -> str:
    return console(region, "elasticache", f"/redis/{replication_group}")


def load_balancer(region: str, name: str) -> str:
    return console(region, "ec2", f"LoadBalancers:search={name}")


def auto_scaling_group(region: str, name: str) -> str:
    return console(region, "ec2", f"AutoScalingGroupDetails:id={name};view=details")


def signed_in(url: str, sso_start_url: str | None, account_id: str | None, role: str) -> str:
    """`url` through the IAM Identity Center portal (signed in to `account_id` as `role`), or `url`
    itself while the account id or the portal is not recorded."""
    if not (sso_start_url and account_id):
        return url
    return (f"{sso_start_url.rstrip('/')}/#/console?account_id={account_id}&role_name={quote(role, safe='')}"
            f"&destination={quote(url, safe='')}")
