//! One tree, two Classic renderings: XML (the default) and JSON (on `Accept:
//! application/json`, served as `text/plain;charset=UTF-8` like Jamf Cloud does).

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quick_xml::escape::escape;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

/// A Classic document node. Lists know their XML item element name; JSON ignores it.
pub enum Node {
    Obj(Vec<(&'static str, Node)>),
    List {
        item: &'static str,
        items: Vec<Node>,
        /// XML only: a leading `<size>n</size>` (Classic collection lists such as sites).
        xml_size: bool,
    },
    Str(String),
    Int(i64),
    Bool(bool),
}

impl Node {
    pub fn list(item: &'static str, items: Vec<Node>) -> Node {
        Node::List {
            item,
            items,
            xml_size: false,
        }
    }

    pub fn str(s: &str) -> Node {
        Node::Str(s.to_owned())
    }

    /// `{id, name}` (site, ldap_server, list entries).
    pub fn id_name(id: i64, name: &str) -> Node {
        Node::Obj(vec![("id", Node::Int(id)), ("name", Node::str(name))])
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Obj(fields) => {
                let mut map = s.serialize_map(Some(fields.len()))?;
                for (k, v) in fields {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
            Node::List { items, .. } => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Node::Str(v) => s.serialize_str(v),
            Node::Int(v) => s.serialize_i64(*v),
            Node::Bool(v) => s.serialize_bool(*v),
        }
    }
}

fn write_xml(out: &mut String, name: &str, node: &Node) {
    let empty = match node {
        Node::Obj(f) => f.is_empty(),
        Node::List {
            items, xml_size, ..
        } => items.is_empty() && !xml_size,
        Node::Str(s) => s.is_empty(),
        _ => false,
    };
    if empty {
        out.push_str(&format!("<{name}/>"));
        return;
    }
    out.push_str(&format!("<{name}>"));
    match node {
        Node::Obj(fields) => fields.iter().for_each(|(k, v)| write_xml(out, k, v)),
        Node::List {
            item,
            items,
            xml_size,
        } => {
            if *xml_size {
                out.push_str(&format!("<size>{}</size>", items.len()));
            }
            items.iter().for_each(|v| write_xml(out, item, v));
        }
        Node::Str(s) => out.push_str(&escape(s.as_str())),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
    out.push_str(&format!("</{name}>"));
}

/// The XML document `<?xml …?><root>…</root>`.
pub fn to_xml(root: &'static str, node: &Node) -> String {
    let mut out = String::from(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    write_xml(&mut out, root, node);
    out
}

/// The JSON document `{"root": …}`.
pub fn to_json(root: &'static str, node: &Node) -> String {
    let mut out = Vec::with_capacity(256);
    let mut ser = serde_json::Serializer::new(&mut out);
    let mut map = match (&mut ser).serialize_map(Some(1)) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    if map.serialize_entry(root, node).is_err() || SerializeMap::end(map).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Whether the client asked for JSON (anything else gets Jamf's XML default).
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("application/json"))
}

/// A 200 Classic response in the negotiated format, with Jamf Cloud's headers.
pub fn respond(headers: &HeaderMap, root: &'static str, node: &Node) -> Response {
    // The JSON type is recorded; `text/xml` for XML is Jamf's usual answer (not recorded).
    let (body, content_type) = if wants_json(headers) {
        (to_json(root, node), "text/plain;charset=UTF-8")
    } else {
        (to_xml(root, node), "text/xml;charset=UTF-8")
    };
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Charset,Accept-Encoding,Accept-Language,Accept"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Node {
        Node::Obj(vec![
            ("id", Node::Int(1)),
            ("name", Node::str("R&D <x>")),
            ("empty", Node::list("user", vec![])),
            (
                "tags",
                Node::list("privilege", vec![Node::str("a"), Node::str("b")]),
            ),
            ("flag", Node::Bool(false)),
        ])
    }

    #[test]
    fn xml_escapes_and_self_closes_empty_lists() {
        assert_eq!(
            to_xml("account", &sample()),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><account><id>1</id><name>R&amp;D &lt;x&gt;</name><empty/><tags><privilege>a</privilege><privilege>b</privilege></tags><flag>false</flag></account>"
        );
    }

    #[test]
    fn json_keeps_field_order_and_uses_plain_arrays() {
        assert_eq!(
            to_json("account", &sample()),
            r#"{"account":{"id":1,"name":"R&D <x>","empty":[],"tags":["a","b"],"flag":false}}"#
        );
    }

    #[test]
    fn sized_lists_carry_size_in_xml_only() {
        let sites = Node::List {
            item: "site",
            items: vec![Node::id_name(1, "A")],
            xml_size: true,
        };
        assert_eq!(
            to_xml("sites", &sites),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><sites><size>1</size><site><id>1</id><name>A</name></site></sites>"
        );
        assert_eq!(
            to_json("sites", &sites),
            r#"{"sites":[{"id":1,"name":"A"}]}"#
        );
    }
}
