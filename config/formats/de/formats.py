# One date and time format per language, used by every page and by the messenger's script
# (base.html hands DATETIME_FORMAT to it): "02.12.2026 00:43".
DATE_FORMAT = SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
