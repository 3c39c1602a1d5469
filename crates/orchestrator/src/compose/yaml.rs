//! Reading a compose file's YAML tree with positions: every value read here is interpolated, typed, and any
//! mistake becomes an [`Error::Compose`] pointing at the node's line and column.

use std::collections::BTreeMap;

use saphyr::{MarkedYaml, Scalar, YamlData};

use super::interpolate::interpolate;
use crate::error::{Error, Result};

/// A node of the parsed file.
pub type Node<'i> = MarkedYaml<'i>;

/// What every read needs: the file's name for errors and the variables for interpolation.
pub struct Reader<'v> {
    pub file: &'v str,
    pub variables: &'v BTreeMap<String, String>,
}

impl Reader<'_> {
    /// An error at a node.
    pub fn error(&self, node: &Node<'_>, message: impl Into<String>) -> Error {
        Error::Compose {
            file: self.file.to_string(),
            line: node.span.start.line(),
            column: node.span.start.col() + 1,
            message: message.into(),
        }
    }

    /// The entries of a mapping, keys as written (keys are never interpolated).
    pub fn mapping<'a, 'i>(
        &self,
        node: &'a Node<'i>,
        what: &str,
    ) -> Result<Vec<(String, &'a Node<'i>, &'a Node<'i>)>> {
        match &node.data {
            YamlData::Mapping(entries) => entries
                .iter()
                .map(|(key, value)| Ok((self.literal(key, "a key")?, key, value)))
                .collect(),
            _ => Err(self.unexpected(node, what, "a mapping")),
        }
    }

    /// The items of a sequence.
    pub fn sequence<'a, 'i>(&self, node: &'a Node<'i>, what: &str) -> Result<&'a [Node<'i>]> {
        match &node.data {
            YamlData::Sequence(items) => Ok(items),
            _ => Err(self.unexpected(node, what, "a list")),
        }
    }

    /// A scalar as text, after interpolation; numbers and booleans read as written.
    pub fn text(&self, node: &Node<'_>, what: &str) -> Result<String> {
        let raw = self.literal(node, what)?;
        interpolate(&raw, self.variables)
            .map_err(|message| self.error(node, format!("{what}: {message}")))
    }

    /// A scalar, or `None` for an explicit null (`KEY:` with no value).
    pub fn optional_text(&self, node: &Node<'_>, what: &str) -> Result<Option<String>> {
        match &node.data {
            YamlData::Value(Scalar::Null) => Ok(None),
            _ => self.text(node, what).map(Some),
        }
    }

    /// A scalar or a list of scalars, as compose allows for `env_file`, `depends_on` and the like.
    pub fn text_or_list(&self, node: &Node<'_>, what: &str) -> Result<Vec<String>> {
        match &node.data {
            YamlData::Sequence(items) => items.iter().map(|item| self.text(item, what)).collect(),
            _ => Ok(vec![self.text(node, what)?]),
        }
    }

    /// A whole number in `range`.
    pub fn number(
        &self,
        node: &Node<'_>,
        what: &str,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64> {
        let text = self.text(node, what)?;
        text.trim()
            .parse::<u64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                self.error(
                    node,
                    format!(
                        "{what} must be a whole number from {} to {}, not `{text}`",
                        range.start(),
                        range.end()
                    ),
                )
            })
    }

    /// A decimal number.
    pub fn decimal(&self, node: &Node<'_>, what: &str) -> Result<f64> {
        let text = self.text(node, what)?;
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .ok_or_else(|| self.error(node, format!("{what} must be a number, not `{text}`")))
    }

    /// `true` or `false`.
    pub fn boolean(&self, node: &Node<'_>, what: &str) -> Result<bool> {
        match self.text(node, what)?.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(self.error(node, format!("{what} must be true or false, not `{other}`"))),
        }
    }

    /// A scalar exactly as written, without interpolation.
    fn literal(&self, node: &Node<'_>, what: &str) -> Result<String> {
        match &node.data {
            YamlData::Value(Scalar::String(text)) => Ok(text.to_string()),
            YamlData::Value(Scalar::Integer(n)) => Ok(n.to_string()),
            YamlData::Value(Scalar::FloatingPoint(n)) => Ok(n.to_string()),
            YamlData::Value(Scalar::Boolean(b)) => Ok(b.to_string()),
            YamlData::Representation(text, _, _) => Ok(text.to_string()),
            _ => Err(self.unexpected(node, what, "a single value")),
        }
    }

    fn unexpected(&self, node: &Node<'_>, what: &str, expected: &str) -> Error {
        let found = match &node.data {
            YamlData::Mapping(_) => "a mapping",
            YamlData::Sequence(_) => "a list",
            YamlData::Value(Scalar::Null) => "nothing",
            YamlData::Alias(_) => {
                return self.error(
                    node,
                    "YAML aliases (`*name`) are not supported; write the value out",
                )
            }
            YamlData::Tagged(..) => "a tagged value",
            _ => "a single value",
        };
        self.error(node, format!("{what} must be {expected}, not {found}"))
    }
}

/// Parses the text into its one document.
pub fn load<'i>(file: &str, text: &'i str) -> Result<Node<'i>> {
    use saphyr::LoadableYamlNode;
    let mut documents = Node::load_from_str(text).map_err(|error| Error::Compose {
        file: file.to_string(),
        line: error.marker().line(),
        column: error.marker().col() + 1,
        message: format!("not valid YAML: {}", error.info()),
    })?;
    match documents.len() {
        0 => Err(Error::Compose {
            file: file.to_string(),
            line: 1,
            column: 1,
            message: "the file is empty; it needs a `services` mapping".to_string(),
        }),
        1 => Ok(documents.remove(0)),
        _ => Err(Error::Compose {
            file: file.to_string(),
            line: documents[1].span.start.line(),
            column: 1,
            message: "a compose file holds one YAML document".to_string(),
        }),
    }
}
