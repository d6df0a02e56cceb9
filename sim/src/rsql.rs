//! The RSQL subset Jamf's list endpoints accept: `==` (with `*` wildcards), `!=`, `=in=`,
//! `=out=`, `=lt=`/`<`, `=le=`/`<=`, `=gt=`/`>`, `=ge=`/`>=`, `and`/`;`, `or`/`,`,
//! parentheses, single- or double-quoted values. String comparisons ignore case (Jamf docs).

use std::cmp::Ordering;

/// A field value of a listed record.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Num(i64),
    Str(&'a str),
    Bool(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Num,
    Str,
    Bool,
}

/// A record that can be filtered and sorted by field name.
pub trait Record {
    fn field(&self, name: &str) -> Option<Value<'_>>;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    In,
    Out,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Cmp {
        field: String,
        op: Op,
        values: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Open,
    Close,
    Semi,
    Comma,
    Op(Op),
    Word(String),
    Quoted(String),
}

fn op_of(text: &str) -> Option<Op> {
    Some(match text {
        "==" => Op::Eq,
        "!=" => Op::Ne,
        "=in=" => Op::In,
        "=out=" => Op::Out,
        "=lt=" | "<" => Op::Lt,
        "=le=" | "<=" => Op::Le,
        "=gt=" | ">" => Op::Gt,
        "=ge=" | ">=" => Op::Ge,
        _ => return None,
    })
}

fn lex(input: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '(' | ')' | ';' | ',' => {
                out.push(match c {
                    '(' => Tok::Open,
                    ')' => Tok::Close,
                    ';' => Tok::Semi,
                    _ => Tok::Comma,
                });
                i += 1;
            }
            '"' | '\'' => {
                let mut s = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("unterminated quoted value".to_owned()),
                        Some('\\') if i + 1 < chars.len() => {
                            s.push(chars[i + 1]);
                            i += 2;
                        }
                        Some(&q) if q == c => break,
                        Some(&other) => {
                            s.push(other);
                            i += 1;
                        }
                    }
                }
                i += 1;
                out.push(Tok::Quoted(s));
            }
            '=' | '!' | '<' | '>' => {
                let start = i;
                i += 1;
                if c == '=' {
                    while i < chars.len() && chars[i].is_ascii_alphabetic() {
                        i += 1;
                    }
                }
                if chars.get(i) == Some(&'=') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                out.push(Tok::Op(
                    op_of(&text).ok_or_else(|| format!("unknown operator '{text}'"))?,
                ));
            }
            _ => {
                let start = i;
                while i < chars.len()
                    && !"()=;,!<>\"'".contains(chars[i])
                    && !chars[i].is_whitespace()
                {
                    i += 1;
                }
                out.push(Tok::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    fields: &'a [(&'a str, Kind)],
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn is_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Tok::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.and()?];
        while matches!(self.peek(), Some(Tok::Comma)) || self.is_keyword("or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut parts = vec![self.primary()?];
        while matches!(self.peek(), Some(Tok::Semi)) || self.is_keyword("and") {
            self.pos += 1;
            parts.push(self.primary()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::Open) => {
                let e = self.or()?;
                match self.next() {
                    Some(Tok::Close) => Ok(e),
                    _ => Err("missing ')'".to_owned()),
                }
            }
            Some(Tok::Word(field)) => {
                let kind = self
                    .fields
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map(|(_, k)| *k)
                    .ok_or_else(|| format!("field '{field}' cannot be filtered"))?;
                let op = match self.next() {
                    Some(Tok::Op(op)) => op,
                    _ => return Err(format!("expected an operator after '{field}'")),
                };
                let values = self.values(op)?;
                for v in &values {
                    check_kind(kind, v, &field)?;
                }
                Ok(Expr::Cmp { field, op, values })
            }
            _ => Err("expected a field name or '('".to_owned()),
        }
    }

    fn value(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Word(w)) | Some(Tok::Quoted(w)) => Ok(w),
            _ => Err("expected a value".to_owned()),
        }
    }

    fn values(&mut self, op: Op) -> Result<Vec<String>, String> {
        if !matches!(op, Op::In | Op::Out) {
            return Ok(vec![self.value()?]);
        }
        if self.next() != Some(Tok::Open) {
            return Err("=in= and =out= take a list in parentheses".to_owned());
        }
        let mut out = vec![self.value()?];
        loop {
            match self.next() {
                Some(Tok::Comma) => out.push(self.value()?),
                Some(Tok::Close) => return Ok(out),
                _ => return Err("unterminated value list".to_owned()),
            }
        }
    }
}

fn check_kind(kind: Kind, value: &str, field: &str) -> Result<(), String> {
    let ok = match kind {
        Kind::Num => value.parse::<i64>().is_ok(),
        Kind::Bool => value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false"),
        Kind::Str => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("invalid value '{value}' for field '{field}'"))
    }
}

/// Parses `input`, accepting only the given fields.
pub fn parse(input: &str, fields: &[(&str, Kind)]) -> Result<Expr, String> {
    let mut p = Parser {
        toks: lex(input)?,
        pos: 0,
        fields,
    };
    let e = p.or()?;
    match p.peek() {
        None => Ok(e),
        Some(t) => Err(format!("unexpected {t:?}")),
    }
}

/// Orders two values of the same field (strings case-insensitively).
pub fn compare(a: &Value<'_>, b: &Value<'_>) -> Ordering {
    match (a, b) {
        (Value::Num(x), Value::Num(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Str(x), Value::Str(y)) => x.to_lowercase().cmp(&y.to_lowercase()),
        _ => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &[(&str, Kind)] = &[
        ("username", Kind::Str),
        ("siteId", Kind::Num),
        ("changePasswordOnNextLogin", Kind::Bool),
    ];

    #[test]
    fn parses_precedence_and_lists() {
        let e = parse("siteId=in=(1,'2') or username==a and siteId!=3", F).unwrap();
        let Expr::Or(parts) = e else {
            panic!("or at the top: {e:?}")
        };
        assert_eq!(
            parts[0],
            Expr::Cmp {
                field: "siteId".into(),
                op: Op::In,
                values: vec!["1".into(), "2".into()]
            }
        );
        assert!(matches!(&parts[1], Expr::And(and) if and.len() == 2));
    }

    #[test]
    fn rejects_bad_input() {
        for bad in [
            "nope==1",
            "siteId==abc",
            "username==",
            "username=='open",
            "siteId=in=1",
            "username==a and",
            "(username==a",
            "username=~a",
            "changePasswordOnNextLogin==maybe",
        ] {
            assert!(parse(bad, F).is_err(), "{bad} should fail");
        }
    }
}
