#!/usr/bin/env python3
"""Deep pages of the student list sorted by grade and by time (issue 12), on SQLite.

Builds a base database from the migrations in crates/store-sqlite/migrations (0001–0004) with
STUDENTS synthetic students (default 1,000,000) in 180 counties of 20 cities, 4,000 schools, three
import batches (all, then 10 % and 1 % changed), and times the keyset queries the store runs
(crates/store-sqlite/src/browse.rs: the same WHERE, ORDER BY, split cursor and LIMIT 51) for a
first page and for deep pages, in a county, a city and the province; and the scan that counts a
province's classes (store::sql::school_figures_queries), which the overview counts in the
background. Python's sqlite3 module (the system SQLite, not rusqlite's bundled one) times each
query REPEAT times and prints the median and the worst, in ms.

Usage: python3 scripts/bench-sort.py [STUDENTS]   (the database is cached as bench-data/sort-N.db)
"""
import os, random, sqlite3, statistics, sys, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("STUDENTS", "1000000"))
REPEAT = int(os.environ.get("REPEAT", "15"))
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.makedirs(os.path.join(root, "bench-data"), exist_ok=True)
path = os.path.join(root, "bench-data", f"sort-{N}.db")
GRADES = ["11", "12", "13", "14", "15", "16", "21", "22", "23", "31", "32", "33"]
COUNTIES = [510000 + city * 100 + k for city in range(1, 21) for k in range(1, 10)]

def build():
    if os.path.exists(path):
        os.remove(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = OFF")
    for f in ["0001_base.sql", "0002_browse.sql", "0003_transfers.sql"]:
        db.executescript(open(os.path.join(root, "crates/store-sqlite/migrations", f)).read())
    rnd = random.Random(1)
    for b in (1, 2, 3):
        db.execute("INSERT INTO batches (id, entity, file_name, file_hash, user_name, started_at, finished_at) VALUES (?, 'student', 'x.csv', ?, 'bench', '2026-12-06T00:00:00Z', '2026-12-06T00:01:00Z')", (b, f"h{b}"))
    schools = [(f"21{c % 10000:04d}{i:04d}", c) for i in range(4000) for c in [COUNTIES[i % len(COUNTIES)]]]
    db.executemany("INSERT INTO schools (school_code, name, school_type, region_code, urban_rural, credit_code, address, longitude, latitude, principal, phone, postal_code, row_hash, batch_id, updated_at) VALUES (?, ?, '211', ?, '111', '', '', '', '', '', '', '', 0, 1, '')", [(s, f"学校{s}", str(c)) for s, c in schools])
    def rows():
        for i in range(1, N + 1):
            s, c = schools[rnd.randrange(len(schools))]
            b = 3 if rnd.random() < 0.01 else 2 if rnd.random() < 0.1 else 1
            yield (i, f"K{i:012d}", f"G{i:012d}", "张" + chr(0x4E00 + rnd.randrange(2000)), b, s, c, rnd.choice(GRADES), f"{rnd.randrange(1, 9)}班")
    cur = db.cursor()
    batch = []
    for r in rows():
        batch.append(r)
        if len(batch) == 50_000:
            ins(cur, batch)
            batch = []
    ins(cur, batch)
    db.commit()
    t = time.perf_counter()
    db.executescript(open(os.path.join(root, "crates/store-sqlite/migrations/0004_sort_grade_time.sql")).read())
    print(f"migration 0004 (backfill and six indexes) on {N:,} students: {time.perf_counter() - t:.1f} s")
    db.execute("ANALYZE")
    db.commit()
    db.close()
    open(path + ".built", "w").close()

def ins(cur, batch):
    cur.executemany("INSERT INTO students (id, record_key, student_id, id_type, id_number, name, gender_code, birth_date, ethnicity_code, region_code, guardian_phone, address, boarding, left_behind, migrant_child, row_hash, batch_id, updated_at) VALUES (?, ?, ?, '1', ?, ?, '1', '2014-09-01', '01', '510104', '13800000000', '某街1号', '0', '0', '0', 0, ?, '')", [(r[0], r[1], r[2], r[1], r[3], r[4]) for r in batch])
    # The enrolment's batch is set from the student's (as migration 0004 would bring it).
    cur.executemany("INSERT INTO enrolments (student_id, school_code, county_code, grade, class_name, enrollment_date, batch_id) VALUES (?, ?, ?, ?, ?, '2020-09', 1)", [(r[0], r[5], r[6], r[7], r[8]) for r in batch])

if not os.path.exists(path + ".built"):
    t = time.perf_counter()
    build()
    print(f"built {path} in {time.perf_counter() - t:.0f} s")
db = sqlite3.connect(path)
SELECT = "SELECT s.student_id, s.name, s.gender_code, s.birth_date, e.school_code, e.grade, e.class_name, s.record_key, s.id, e.county_code, e.batch_id FROM students s JOIN enrolments e ON e.student_id = s.id"

def timed(sql, args):
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        rows = db.execute(sql, args).fetchall()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times), rows

def page(lo, hi, sort, after):
    """The store's query (split cursor: the rest of the cursor's group, then the groups after)."""
    # As the store: one county by equality, a wider area walked in the order's index.
    w, pre = ("e.county_code = ?", (lo,)) if lo == hi else ("+e.county_code BETWEEN ? AND ?", (lo, hi))
    if sort == "grade":
        order, first_order = "e.grade, e.student_id", "e.student_id"
        if after:
            g, i = after
            return [(f"{SELECT} WHERE {w} AND e.grade = ? AND e.student_id > ? ORDER BY {first_order} LIMIT 51", pre + (g, i)), (f"{SELECT} WHERE {w} AND e.grade > ? ORDER BY {order} LIMIT 51", pre + (g,))]
    else:
        order, first_order = "e.batch_id DESC, e.student_id DESC", "e.student_id DESC"
        if after:
            b, i = after
            return [(f"{SELECT} WHERE {w} AND e.batch_id = ? AND e.student_id < ? ORDER BY {first_order} LIMIT 51", pre + (b, i)), (f"{SELECT} WHERE {w} AND e.batch_id < ? ORDER BY {order} LIMIT 51", pre + (b,))]
    return [(f"{SELECT} WHERE {w} ORDER BY {order} LIMIT 51", pre)]

def cursor_at(lo, hi, sort, k):
    """The sort key of the k-th row (untimed), as a cursor holds it."""
    order = "e.grade, e.student_id" if sort == "grade" else "e.batch_id DESC, e.student_id DESC"
    r = db.execute(f"SELECT e.grade, e.batch_id, e.student_id FROM enrolments e WHERE e.county_code BETWEEN ? AND ? ORDER BY {order} LIMIT 1 OFFSET ?", (lo, hi, k)).fetchone()
    return (r[0], r[2]) if sort == "grade" else (r[1], r[2])

county = COUNTIES[40]
city = county // 100 * 100
areas = [("county", county, county), ("city", city, city + 99), ("province", 510000, 519999)]
print(f"{N:,} students; SQLite {sqlite3.sqlite_version}; median and worst of {REPEAT} runs, ms (a page of 50)")
print("| sort | area (rows) | page | rows in | median | worst |")
print("|---|---|---|---:|---:|---:|")
for sort in ["grade", "time"]:
    for name, lo, hi in areas:
        n = db.execute("SELECT COUNT(*) FROM enrolments WHERE county_code BETWEEN ? AND ?", (lo, hi)).fetchone()[0]
        for label, k in [("first", None), ("middle", n // 2), ("deep", n - 100)]:
            after = cursor_at(lo, hi, sort, k) if k else None
            total = [0.0, 0.0]
            got = 0
            for sql, args in page(lo, hi, sort, after):
                m, w, rows = timed(sql, args)
                total[0] += m
                total[1] += w
                got += len(rows)
                if got >= 51:
                    break
            print(f"| {sort} | {name} ({n:,}) | {label} | {k or 0:,} | {total[0]:.2f} | {total[1]:.2f} |")
t = time.perf_counter()
db.execute("SELECT school_code, COUNT(*), COUNT(DISTINCT CASE WHEN class_name <> '' THEN grade || '/' || class_name END) FROM enrolments WHERE county_code BETWEEN 510000 AND 519999 GROUP BY school_code").fetchall()
print(f"classes of the province ({N:,} enrolments, the background count): {(time.perf_counter() - t) * 1000:.0f} ms")

# What the four new enrolment indexes cost an import: 100,000 new students' enrolments (a new
# batch, random counties and grades) inserted with them, and without them (dropped inside the
# transaction), each rolled back.
def insert_cost(drop, by_county=False):
    rnd = random.Random(2)
    base = db.execute("SELECT MAX(student_id) FROM enrolments").fetchone()[0]
    rows = [(base + i, f"21{i % 9999:08d}", rnd.choice(COUNTIES), rnd.choice(GRADES), "1班", 4) for i in range(1, 100_001)]
    if by_county:
        # Closer to an import, which writes in key order (an ID number begins with a county).
        rows.sort(key=lambda r: r[2])
    db.execute("BEGIN")
    if drop:
        for ix in ["enrolments_county_grade", "enrolments_grade", "enrolments_county_batch", "enrolments_batch"]:
            db.execute(f"DROP INDEX {ix}")
    t = time.perf_counter()
    db.executemany("INSERT INTO enrolments (student_id, school_code, county_code, grade, class_name, enrollment_date, batch_id) VALUES (?, ?, ?, ?, ?, '2020-09', ?)", rows)
    dt = time.perf_counter() - t
    db.execute("ROLLBACK")
    return dt

db.isolation_level = None
# The import's page cache (store_sqlite::IMPORT_CACHE_KIB), warmed by a first run.
db.execute("PRAGMA cache_size = -393216")
insert_cost(False)
without, with_ = insert_cost(True), insert_cost(False)
print(f"100,000 enrolments inserted: {without * 1000:.0f} ms without the four new indexes, {with_ * 1000:.0f} ms with them ({(with_ - without) * 10:.1f} µs a student more)")
without, with_ = insert_cost(True, True), insert_cost(False, True)
print(f"the same in county order: {without * 1000:.0f} ms without, {with_ * 1000:.0f} ms with them ({(with_ - without) * 10:.1f} µs a student more)")
