#!/usr/bin/python3
"""Writes the legacy-format test fixtures (crates/ingest/tests/fixtures/students.{xls,ods}) with
independent writers: xlwt (BIFF8, as Excel 97-2003 saves) and odfpy (ODF 1.2, as LibreOffice
saves). Debian: apt-get install python3-xlwt python3-odf. The files are committed; rerun this
only to change them. Three students: two valid, the third with a wrong ID check character;
birth dates are real date cells, grades numbers, ethnic codes text (01 keeps its zero)."""
import datetime, os, sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
def idn(body17):
    return body17 + "10X98765432"[sum(int(c) * w for c, w in zip(body17, W)) % 11]

HEAD = ["学籍号", "身份证件号", "姓名", "性别码", "出生日期", "民族码", "行政区划码", "学校标识码", "年级"]
a, b = idn("51010420120901011"), idn("51010420110305022")
bad = a[:17] + ("0" if a[17] != "0" else "1")
ROWS = [
    ["G" + a, a, "旧格式一", 1, datetime.date(2012, 9, 1), "01", 510104, 2151000001, 21],
    ["G" + b, b, "旧格式二", 2, datetime.date(2011, 3, 5), "01", 510104, 2151000001, 22],
    ["G" + bad, bad, "旧格式三", 1, datetime.date(2012, 9, 1), "01", 510104, 2151000001, 21],
]
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "crates", "ingest", "tests", "fixtures")

import xlwt
wb = xlwt.Workbook(encoding="utf-8")
ws = wb.add_sheet("学生名单")
date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
for c, h in enumerate(HEAD):
    ws.write(0, c, h)
for r, row in enumerate(ROWS, 1):
    for c, v in enumerate(row):
        ws.write(r, c, v, date) if isinstance(v, datetime.date) else ws.write(r, c, v)
wb.save(os.path.join(out, "students.xls"))

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableRow, TableCell
from odf.text import P
doc = OpenDocumentSpreadsheet()
t = Table(name="学生名单")
def cell(v):
    if isinstance(v, datetime.date):
        c = TableCell(valuetype="date", datevalue=v.isoformat())
    elif isinstance(v, int):
        c = TableCell(valuetype="float", value=v)
    else:
        c = TableCell(valuetype="string")
    c.addElement(P(text=v.isoformat() if isinstance(v, datetime.date) else str(v)))
    return c
for row in [HEAD] + ROWS:
    tr = TableRow()
    for v in row:
        tr.addElement(cell(v))
    t.addElement(tr)
# What LibreOffice writes after the data: the rest of the sheet as one repeated empty row.
tail = TableRow(numberrowsrepeated=1048572)
tail.addElement(TableCell(numbercolumnsrepeated=1024))
t.addElement(tail)
doc.spreadsheet.addElement(t)
doc.save(os.path.join(out, "students.ods"))
print("wrote", out)

# The site register (crates/guard/tests/fixtures/sites.xls): two valid rows, one bad category.
ws = xlwt.Workbook(encoding="utf-8")
s = ws.add_sheet("网站")
for r, row in enumerate([["名称", "网址", "单位代码", "类别", "检查间隔"], ["四川大学", "https://www.scu.edu.cn/", 510000, "高校", 10], ["锦江区教育局", "http://jj.example.gov.cn/", 510104, "bureau", ""], ["坏的", "https://x.example.cn/", 510104, "火星", 5]]):
    for c, v in enumerate(row):
        s.write(r, c, v)
ws.save(os.path.join(out, "..", "..", "..", "guard", "tests", "fixtures", "sites.xls"))

# A hostile .xls (crates/ingest/tests/fixtures/sparse.xls): two cells, at A1 and IV65536, which a
# reader expanding sheets into rectangles turns into 16.7 million cells.
wb = xlwt.Workbook(encoding="utf-8")
s = wb.add_sheet("稀疏")
s.write(0, 0, "学籍号")
s.write(65535, 255, 1)
wb.save(os.path.join(out, "sparse.xls"))
