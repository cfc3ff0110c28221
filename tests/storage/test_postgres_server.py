"""The tests' PostgreSQL server (tests/helpers/postgres.py, issue 31): each test gets its own empty database."""

from urllib.parse import urlsplit


def tables_of(cluster, url):
    database = urlsplit(url).path.lstrip("/")
    result = cluster.run(
        "psql",
        "-h",
        str(cluster.sockets),
        "-p",
        str(cluster.port),
        "-U",
        "ilacs_test",
        "-d",
        database,
        "-At",
        "-c",
        "select count(*) from information_schema.tables where table_schema = 'public'",
    )
    return result.stdout.strip()


def test_each_test_gets_its_own_empty_database(postgres_cluster, postgres_url):
    other = postgres_cluster.new_database()
    assert other != postgres_url
    assert postgres_url.startswith("postgresql://ilacs_test@127.0.0.1:")
    assert tables_of(postgres_cluster, postgres_url) == "0"
    assert tables_of(postgres_cluster, other) == "0"


def test_the_server_answers_over_tcp(postgres_cluster, postgres_url):
    database = urlsplit(postgres_url).path.lstrip("/")
    result = postgres_cluster.run(
        "psql",
        "-h",
        "127.0.0.1",
        "-p",
        str(postgres_cluster.port),
        "-U",
        "ilacs_test",
        "-d",
        database,
        "-At",
        "-c",
        "select current_setting('server_version_num')::int / 10000",
    )
    assert result.stdout.strip() == "15"
