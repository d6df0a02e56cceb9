//! Evaluates a parsed RSQL filter against a record. String `==` honours `*` wildcards and
//! ignores case, as Jamf documents.

use std::cmp::Ordering;

use super::rsql::{Expr, Op, Record, Value, compare};

fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_lowercase(), text.to_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return p == t;
    }
    if !t.starts_with(first) || t.len() < first.len() + last.len() || !t.ends_with(last) {
        return false;
    }
    let mut rest = &t[first.len()..t.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(at) => rest = &rest[at + mid.len()..],
            None => return false,
        }
    }
    true
}

fn parse_like<'a>(model: &Value<'_>, text: &'a str) -> Value<'a> {
    match model {
        Value::Num(_) => Value::Num(text.parse().unwrap_or_default()),
        Value::Bool(_) => Value::Bool(text.eq_ignore_ascii_case("true")),
        Value::Str(_) => Value::Str(text),
    }
}

fn equals(v: &Value<'_>, text: &str) -> bool {
    match v {
        Value::Str(s) => wildcard(text, s),
        other => compare(other, &parse_like(other, text)) == Ordering::Equal,
    }
}

pub fn eval(e: &Expr, r: &impl Record) -> bool {
    match e {
        Expr::And(parts) => parts.iter().all(|p| eval(p, r)),
        Expr::Or(parts) => parts.iter().any(|p| eval(p, r)),
        Expr::Cmp { field, op, values } => {
            let Some(v) = r.field(field) else {
                return false;
            };
            let first = values.first().map(String::as_str).unwrap_or_default();
            let ord = || compare(&v, &parse_like(&v, first));
            match op {
                Op::Eq => equals(&v, first),
                Op::Ne => !equals(&v, first),
                Op::In => values.iter().any(|x| equals(&v, x)),
                Op::Out => !values.iter().any(|x| equals(&v, x)),
                Op::Lt => ord() == Ordering::Less,
                Op::Le => ord() != Ordering::Greater,
                Op::Gt => ord() == Ordering::Greater,
                Op::Ge => ord() != Ordering::Less,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rsql::{Kind, parse};

    struct R(&'static str, i64, bool);
    impl Record for R {
        fn field(&self, name: &str) -> Option<Value<'_>> {
            match name {
                "username" => Some(Value::Str(self.0)),
                "siteId" => Some(Value::Num(self.1)),
                "changePasswordOnNextLogin" => Some(Value::Bool(self.2)),
                _ => None,
            }
        }
    }
    const F: &[(&str, Kind)] = &[
        ("username", Kind::Str),
        ("siteId", Kind::Num),
        ("changePasswordOnNextLogin", Kind::Bool),
    ];

    fn check(filter: &str, r: &R) -> bool {
        eval(&parse(filter, F).unwrap(), r)
    }

    #[test]
    fn operators_and_logic() {
        let r = R("Jane Doe", 2, true);
        assert!(check("username==\"jane doe\"", &r));
        assert!(check("username=='Jane*'", &r));
        assert!(check("username==*doe", &r));
        assert!(!check("username!='Jane Doe'", &r));
        assert!(check(
            "siteId=in=(1,2) and changePasswordOnNextLogin==true",
            &r
        ));
        assert!(check("siteId=out=(1,3);username==j*", &r));
        assert!(check("siteId==9 or siteId>=2", &r));
        assert!(check("(siteId<2,siteId=gt=1) and username!=x", &r));
        assert!(!check("siteId=lt=2", &r));
    }

    #[test]
    fn wildcard_matching() {
        assert!(wildcard("a*c*e", "abcde"));
        assert!(!wildcard("a*c*e", "abde"));
        assert!(wildcard("*", ""));
        assert!(!wildcard("ab*ba", "aba"));
    }
}
