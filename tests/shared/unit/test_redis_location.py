"""One URL says where the bus's Redis is: one server, or a Sentinel group's primary."""

from __future__ import annotations

import pytest

from shared.messaging.connection import SentinelTarget, redis_broker
from shared.messaging.users import user_url
from shared.settings import redis_url_from, with_password

SENTINELS = "redis+sentinel://kesos-registry:p%40ss@s1:26379,s2:26380,s3/kesos/2"


def test_a_sentinel_url_names_the_nodes_the_group_the_db_and_the_user():
    target = SentinelTarget.parse(SENTINELS)
    assert target == SentinelTarget(
        nodes=(("s1", 26379), ("s2", 26380), ("s3", 26379)),
        primary="kesos",
        db=2,
        username="kesos-registry",
        password="p@ss",
    )
    assert target.node_url() == "redis://kesos-registry:p%40ss@s1:26379/2"


def test_a_plain_url_is_not_a_sentinel_one():
    assert SentinelTarget.parse("redis://u:p@host:6379/0") is None
    assert SentinelTarget.parse("rediss://host/0") is None


@pytest.mark.parametrize(
    "url",
    ["redis+sentinel://s1:26379", "redis+sentinel://s1/", "redis+sentinel:///kesos",
     "redis+sentinel://s1/kesos/zero", "redis+sentinel://s1/kesos/0/x"],
)  # fmt: skip
def test_a_sentinel_url_without_its_group_or_with_a_bad_db_is_refused(url):
    with pytest.raises(ValueError, match="group"):
        SentinelTarget.parse(url)


def test_the_sentinels_own_credentials_come_from_the_query_or_a_file(tmp_path):
    secret = tmp_path / "sentinel-password"
    secret.write_text("s3cret&=\n")
    url = redis_url_from(
        {"REDIS_URL": "redis+sentinel://kesos-cases@s1,s2/kesos?sentinel_username=watch",
         "REDIS_SENTINEL_PASSWORD_FILE": str(secret)}
    )  # fmt: skip
    target = SentinelTarget.parse(url)
    assert target is not None
    assert target.sentinel_options() == {"username": "watch", "password": "s3cret&="}
    assert target.username == "kesos-cases" and target.password is None


def test_a_password_and_a_user_go_into_a_sentinel_url_as_into_a_plain_one():
    with_user = user_url("redis+sentinel://s1:26379,s2:26379/kesos/0", "kesos-training")
    assert with_user == "redis+sentinel://kesos-training@s1:26379,s2:26379/kesos/0"
    assert SentinelTarget.parse(with_password(with_user, "pw/1")).password == "pw/1"
    assert with_password("redis://u@[::1]:6379/0", "x") == "redis://u:x@[::1]:6379/0"
    assert with_password("redis://h/0", "x") == "redis://default:x@h/0"


def test_the_broker_for_a_sentinel_url_is_faststreams_sentinel_broker():
    from faststream.redis import RedisBroker, RedisSentinelBroker

    assert type(redis_broker("redis://127.0.0.1:6379/0")) is RedisBroker
    assert isinstance(redis_broker(SENTINELS), RedisSentinelBroker)
