"""Talking to one environment's AWS account: clients, who we are, and AWS errors in words.

Shared by `busdocs alarms apply|check` (`busdocs.deploy.alarms`) and `busdocs infra verify|import`
(`busdocs.deploy.inventory`). Clients come from the standard credential chain with botocore's
standard retry mode (throttling and 5xx retried with backoff, as `busdocs deploy` does); an error
that remains becomes an `AccountError` that names the API call and the IAM permission it needs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from busdocs.errors import BusdocsError

MAX_ATTEMPTS = 6
"""Attempts per call (botocore standard mode: exponential backoff with jitter, throttles and 5xx)."""

ACCESS_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError",
                           "UnauthorizedAccess", "Forbidden", "403"})
THROTTLED = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException",
                       "SlowDown", "RequestThrottled"})

IAM_PREFIX = {"elbv2": "elasticloadbalancing", "monitoring": "cloudwatch"}
"""IAM action prefix of a boto3 service name where the two differ."""
IAM_ACTION = {("s3", "HeadBucket"): "s3:ListBucket", ("s3", "ListObjectsV2"): "s3:ListBucket",
              ("sts", "GetCallerIdentity"): "sts:GetCallerIdentity (allowed to everyone)"}
"""Calls whose IAM action is not `<prefix>:<OperationName>`."""


_LOADER: Any = None
"""botocore's reader of service models, shared by every `Account` of the process."""


class AccountError(BusdocsError):
    """The account could not be read or changed; the message says which call and why."""


def iam_action(service: str, operation: str) -> str:
    """The IAM permission an API call needs: (`cloudwatch`, `PutMetricAlarm`) → `cloudwatch:PutMetricAlarm`."""
    return IAM_ACTION.get((service, operation), f"{IAM_PREFIX.get(service, service)}:{operation}")


def describe_error(exc: Exception, endpoint: str | None = None, attempts: int = MAX_ATTEMPTS) -> str:
    """One line for an AWS error: the call, what went wrong, and what to do."""
    from botocore.exceptions import (ClientError, ConnectTimeoutError, EndpointConnectionError, NoCredentialsError,
                                     NoRegionError, ReadTimeoutError)

    where = endpoint or "AWS"
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = str(error.get("Code", "")), error.get("Message", "")
        operation = exc.operation_name
        service = _service_of(exc)
        if code in ACCESS_DENIED:
            return (f"{operation}: access denied ({code}); the role needs the IAM permission "
                    f"{iam_action(service, operation) if service else operation}")
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        tried = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", attempts - 1) + 1
        if code in THROTTLED or status >= 500:
            return (f"{operation}: still refused after {tried} attempts with backoff ({code or status}"
                    f"{': ' + message if message else ''}); AWS is throttling or unwell, try again later")
        return f"{operation}: {code}: {message}".rstrip(": ")
    if isinstance(exc, EndpointConnectionError | ConnectTimeoutError):
        return f"could not connect to {where} ({exc}); check the network, the region or --endpoint-url"
    if isinstance(exc, ReadTimeoutError):
        return f"{where} did not answer in time ({exc})"
    if isinstance(exc, NoCredentialsError):
        return ("no AWS credentials found in the standard chain (environment, ~/.aws, SSO, instance role): "
                "e.g. aws sso login --profile <the environment's account alias>")
    if isinstance(exc, NoRegionError):
        return "no AWS region (data/infrastructure.yml gives one per environment)"
    return f"{type(exc).__name__}: {exc}"


def _service_of(exc: Exception) -> str | None:
    """The boto3 service of the client that raised `exc` (a paginator's call included): found on the
    client whose `_make_api_call` is in the traceback."""
    tb = exc.__traceback__
    while tb is not None:
        client = tb.tb_frame.f_locals.get("self")
        model = getattr(getattr(client, "meta", None), "service_model", None)
        if model is not None and tb.tb_frame.f_code.co_name == "_make_api_call":
            return str(model.service_name)
        tb = tb.tb_next
    return None


@contextlib.contextmanager
def translated(endpoint: str | None = None, prefix: str = "") -> Iterator[None]:
    """Turn every botocore error inside into an `AccountError` naming the call and the permission."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        raise AccountError(prefix + describe_error(exc, endpoint)) from None


def error_code(exc: Exception) -> str:
    """The AWS error code of a ClientError ("" for other errors)."""
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


@dataclass
class Account:
    """Clients for one environment's account and region, made when first used."""

    region: str
    endpoint_url: str | None = None
    max_attempts: int = MAX_ATTEMPTS
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _identity: dict[str, str] | None = field(default=None, repr=False)
    _session: Any = field(default=None, repr=False)

    def client(self, service: str, region: str | None = None) -> Any:
        """A boto3 client from the standard chain, standard retry mode."""
        key = f"{service}@{region or self.region}"
        if key not in self._clients:
            from botocore.config import Config

            config = Config(retries={"total_max_attempts": self.max_attempts, "mode": "standard"}, connect_timeout=10,
                            read_timeout=60)
            self._clients[key] = self.session().client(service, region_name=region or self.region,
                                                       endpoint_url=self.endpoint_url, config=config)
        return self._clients[key]

    def session(self) -> Any:
        """One boto3 session per account (credentials resolved once), sharing the service models
        botocore has read in this process (reading them costs ~0.1 s per client)."""
        if self._session is None:
            import boto3
            import botocore.loaders

            global _LOADER
            _LOADER = _LOADER or botocore.loaders.create_loader()
            self._session = boto3.session.Session()
            self._session._session.register_component("data_loader", _LOADER)
        return self._session

    def use(self, service: str, client: Any, region: str | None = None) -> None:
        """Use `client` for `service` (tests: a client that fails on purpose)."""
        self._clients[f"{service}@{region or self.region}"] = client

    def account_id(self) -> str:
        """The 12-digit id of the account the credentials belong to (sts:GetCallerIdentity)."""
        if self._identity is None:
            with translated(self.endpoint_url):
                self._identity = self.client("sts").get_caller_identity()
        return self._identity["Account"]

    def check_account(self, documented: str | None, environment: str, say: Any) -> str:
        """The account id, after refusing credentials of another account than the documented one."""
        actual = self.account_id()
        if documented and documented != actual:
            raise AccountError(f"these credentials belong to account {actual}, but {environment} is account "
                               f"{documented} (data/infrastructure.yml); use the {environment} account's "
                               "credentials; nothing was read or changed")
        if not documented:
            say(f"note: {environment}'s account id is not recorded in data/infrastructure.yml; the credentials "
                f"belong to account {actual}; make sure that is {environment}")
        return actual
