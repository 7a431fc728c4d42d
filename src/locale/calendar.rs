//! Month and weekday names, and how each language writes a date and a clock time.
//!
//! English: "March 6, 2018", "3:04 PM"; French: "6 mars 2018" ("1er mars"), "15:04"; Spanish:
//! "6 de marzo de 2018", "15:04". The zone abbreviation ("EST") is added by the caller where it
//! is wanted: it is the same word in every language.

use jiff::civil::DateTime;

use super::Language;

/// A language's calendar words, January and Monday first.
pub struct Names {
    pub months: [&'static str; 12],
    pub short_months: [&'static str; 12],
    pub weekdays: [&'static str; 7],
}

const ENGLISH: Names = Names {
    months: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    short_months: [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ],
    weekdays: [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ],
};

const FRENCH: Names = Names {
    months: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    short_months: [
        "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
        "déc.",
    ],
    weekdays: [
        "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    ],
};

const SPANISH: Names = Names {
    months: [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    short_months: [
        "ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept", "oct", "nov", "dic",
    ],
    weekdays: [
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
    ],
};

/// How much of a date to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// "March 6, 2018" / "6 mars 2018".
    Long,
    /// "Mar 6, 2018" / "6 mars 2018" with the short month.
    Short,
    /// "Tuesday, March 6, 2018" / "mardi 6 mars 2018".
    Full,
}

impl Language {
    pub fn names(self) -> &'static Names {
        match self {
            Language::English => &ENGLISH,
            Language::French => &FRENCH,
            Language::Spanish => &SPANISH,
        }
    }

    pub fn month(self, dt: &DateTime) -> &'static str {
        self.names().months[month_index(dt)]
    }

    pub fn short_month(self, dt: &DateTime) -> &'static str {
        self.names().short_months[month_index(dt)]
    }

    pub fn weekday(self, dt: &DateTime) -> &'static str {
        self.names().weekdays[dt.weekday().to_monday_zero_offset() as usize]
    }

    /// The date of `dt` in this language.
    pub fn date(self, dt: &DateTime, style: DateStyle) -> String {
        let (day, year) = (dt.day(), dt.year());
        let month = match style {
            DateStyle::Short => self.short_month(dt),
            DateStyle::Long | DateStyle::Full => self.month(dt),
        };
        let weekday = self.weekday(dt);
        match (self, style) {
            (Language::English, DateStyle::Full) => format!("{weekday}, {month} {day}, {year}"),
            (Language::English, _) => format!("{month} {day}, {year}"),
            (Language::French, style) => {
                // "1er mars", then "2 mars".
                let day = if day == 1 {
                    "1er".to_owned()
                } else {
                    day.to_string()
                };
                let date = format!("{day} {month} {year}");
                if style == DateStyle::Full {
                    format!("{weekday} {date}")
                } else {
                    date
                }
            }
            (Language::Spanish, DateStyle::Short) => format!("{day} {month} {year}"),
            (Language::Spanish, DateStyle::Long) => format!("{day} de {month} de {year}"),
            (Language::Spanish, DateStyle::Full) => {
                format!("{weekday}, {day} de {month} de {year}")
            }
        }
    }

    /// The clock time of `dt`: "3:04 PM" in English, "15:04" in French and Spanish.
    pub fn time(self, dt: &DateTime, seconds: bool) -> String {
        let (hour, minute, second) = (dt.hour(), dt.minute(), dt.second());
        match self {
            Language::English => {
                let half = if hour < 12 { "AM" } else { "PM" };
                let hour12 = match hour % 12 {
                    0 => 12,
                    h => h,
                };
                if seconds {
                    format!("{hour12}:{minute:02}:{second:02} {half}")
                } else {
                    format!("{hour12}:{minute:02} {half}")
                }
            }
            Language::French | Language::Spanish => {
                if seconds {
                    format!("{hour:02}:{minute:02}:{second:02}")
                } else {
                    format!("{hour:02}:{minute:02}")
                }
            }
        }
    }

    /// What joins a date and a time: "March 6, 2018 at 3:04 PM", "6 mars 2018 à 15:04".
    pub fn date_time_joiner(self) -> &'static str {
        match self {
            Language::English => " at ",
            Language::French => " à ",
            Language::Spanish => ", ",
        }
    }
}

fn month_index(dt: &DateTime) -> usize {
    (dt.month() - 1) as usize
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_per_language() {
        let dt = date(2018, 3, 6).at(15, 4, 5, 0);
        let en = Language::English;
        assert_eq!(en.date(&dt, DateStyle::Long), "March 6, 2018");
        assert_eq!(en.date(&dt, DateStyle::Short), "Mar 6, 2018");
        assert_eq!(en.date(&dt, DateStyle::Full), "Tuesday, March 6, 2018");
        let fr = Language::French;
        assert_eq!(fr.date(&dt, DateStyle::Long), "6 mars 2018");
        assert_eq!(fr.date(&dt, DateStyle::Full), "mardi 6 mars 2018");
        let first = date(2018, 2, 1).at(0, 0, 0, 0);
        assert_eq!(fr.date(&first, DateStyle::Short), "1er févr. 2018");
        let es = Language::Spanish;
        assert_eq!(es.date(&dt, DateStyle::Long), "6 de marzo de 2018");
        assert_eq!(es.date(&dt, DateStyle::Full), "martes, 6 de marzo de 2018");
    }

    #[test]
    fn clocks_per_language() {
        let dt = date(2018, 3, 6).at(15, 4, 5, 0);
        assert_eq!(Language::English.time(&dt, false), "3:04 PM");
        assert_eq!(Language::English.time(&dt, true), "3:04:05 PM");
        assert_eq!(Language::French.time(&dt, false), "15:04");
        let morning = date(2018, 3, 6).at(0, 7, 0, 0);
        assert_eq!(Language::English.time(&morning, false), "12:07 AM");
        assert_eq!(Language::French.time(&morning, false), "00:07");
        assert_eq!(Language::Spanish.time(&morning, true), "00:07:00");
    }
}
