"""Settings, declared once and read at start-up (environment variables prefixed ``PALERMO_``)."""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything configurable about a Palermo instance. Nothing else reads the environment."""

    model_config = SettingsConfigDict(env_prefix="PALERMO_", env_file=None, extra="ignore")

    data_dir: Path = Field(Path("palermo-data"), description="Workspace folder: SQLite file, secret key, uploads.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default sqlite:///<data_dir>/palermo.db. Use postgresql+psycopg://… for multi-user."
    )
    secret_key: str | None = Field(
        None, description="Signs session cookies. Default: generated once and kept in <data_dir>/secret.key."
    )
    cache_dir: Path | None = Field(
        None, description="Folder for results derived from no personal data and kept between runs (a linkage "
        "schema's synthetic calibration). Default: <data_dir>/cache when the workspace exists, else the user's "
        "cache folder.")
    host: str = Field("127.0.0.1", description="Address the web app listens on.")
    port: int = Field(8000, description="Port the web app listens on.")
    worker_threads: int = Field(
        200, description="Threads serving requests; `palermo serve` caps concurrent requests at half of this so a "
        "request holding a database lock always finds a thread for its next step.")
    session_max_age: int = Field(8 * 3600, description="Seconds before a web session expires.")
    secure_cookies: bool = Field(False, description="Send cookies only over HTTPS (set true behind TLS).")
    login_attempts_per_minute: int = Field(
        5, description="Failed logins allowed per account (from any client) per minute; one more locks the account "
        "for login_lockout_minutes, or until an admin lifts the lock-out.")
    login_attempts_per_client_per_minute: int = Field(
        20, description="Failed logins allowed from one client address (for any accounts) per minute.")
    login_lockout_minutes: int = Field(15, description="How long an account stays locked after too many failed logins.")
    trusted_proxies: str = Field(
        "", description="Comma-separated addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For header "
        "names the client; X-Forwarded-For is ignored from every other peer.")
    max_body_mib: float = Field(
        20, description="Largest request body accepted (MiB), enforced while reading and before authentication "
        "(413 beyond it).")
    max_upload_mib: float = Field(200, description="Largest request body accepted by file-upload endpoints (MiB).")
    small_count_threshold: int = Field(5, description="Public outputs suppress cells with fewer than this many.")
    coord_feeds_allow_private: bool = Field(
        False, description="Let coordination feeds (HXL/IATI files by URL) be read from private or loopback addresses; "
        "off by default so a feed cannot be used to reach the hub's own network.")
    context_dir: Path | None = Field(
        None, description="Folder with public context files (US TIP tiers and 3P index, Global Slavery Index, IOM "
        "Missing Migrants) in the layout of shared/data/external; shown beside coordination gaps when set.")
    mappings_dir: Path | None = Field(
        None, description="Folder with edited category maps (YAML, named like the shipped ones in "
        "palermo/statistics/data/category-maps) that replace the shipped ones for imports.")
    link_uploads_per_day: int = Field(20, description="Hit/no-hit uploads an organisation may make per 24 hours.")
    link_records_per_day: int = Field(500_000, description="Encoded records an organisation may submit per 24 hours.")
    link_unusual_factor: float = Field(
        3.0, description="Flag an organisation whose records submitted in 24 hours exceed this many times its daily "
        "average of the previous 30 days (enumeration of the hit/no-hit oracle).")
    hub_name: str = Field("palermo-hub", description="Identifier of this hub; encodings uploaded elsewhere are refused.")
    link_retention_days: int = Field(
        1095, ge=1, description="Longest the hub keeps an upload's encodings (three years, Europol's review period); "
        "the agreements that allow its comparisons shorten it to their retention period.")
    purge_daily: bool = Field(True, description="`palermo serve` runs the retention purge once a day by itself.")
    purge_time_utc: str = Field("03:15", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$",
                                description="Time of day (UTC, HH:MM) of the daily retention purge.")

    # Single sign-on (OpenID Connect). Off while oidc_issuer is empty; see docs/security.md.
    oidc_issuer: str = Field("", description="Issuer URL of the OpenID Connect identity provider (its "
                             "/.well-known/openid-configuration is read); empty: no single sign-on.")
    oidc_client_id: str = Field("", description="Client id Palermo is registered with at the identity provider.")
    oidc_client_secret: str = Field("", description="Client secret Palermo is registered with at the identity provider.")
    oidc_provider_name: str = Field("your organisation's account", description="Shown on the login page: "
                                    "\"Sign in with <name>\".")
    oidc_scopes: str = Field("openid profile email", description="Scopes asked for (space-separated).")
    oidc_redirect_url: str = Field("", description="The callback URL registered at the provider, when Palermo is "
                                   "reached under another address than it sees (behind a proxy); default: "
                                   "<this server>/login/oidc/callback.")
    oidc_username_claim: str = Field("preferred_username", description="Claim that gives the Palermo username.")
    oidc_organisation_claim: str = Field("organisation", description="Claim whose value decides the organisation.")
    oidc_organisations: dict[str, str] = Field(
        default_factory=dict, description="JSON: organisation claim value -> Palermo organisation short name, e.g. "
        "{\"politie.nl\": \"NL-POL\"}. A user whose value is not listed is refused.")
    oidc_roles_claim: str = Field("groups", description="Claim (a string or a list) whose values decide the roles.")
    oidc_roles: dict[str, str] = Field(
        default_factory=dict, description="JSON: roles claim value -> Palermo role(s), comma-separated, e.g. "
        "{\"thb-analysts\": \"analyst\"}. A user with no listed value is refused.")
    oidc_mfa_amr: str = Field("mfa", description="Comma-separated amr values (RFC 8176) by which the identity "
                              "provider says it checked a second factor; then Palermo asks for none of its own.")
    oidc_mfa_acr: str = Field("", description="Comma-separated acr values that say the same (e.g. a level of "
                              "assurance the provider grants only with a second factor).")

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'palermo.db').as_posix()}"

    @property
    def resolved_cache_dir(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        if self.data_dir.is_dir():
            return self.data_dir / "cache"
        return Path(platformdirs.user_cache_dir("palermo"))

    @cached_property
    def resolved_secret_key(self) -> str:
        """The session-signing key: configured, or generated once per workspace and kept private."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


def get_settings() -> Settings:
    return Settings()
