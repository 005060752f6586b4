# One date and time format per language (see config/formats/de/formats.py): "2026-12-02 00:43",
# unambiguous for every English reader and on a 24-hour clock like the German one.
DATE_FORMAT = SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
