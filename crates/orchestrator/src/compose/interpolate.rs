//! Compose's variable interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
//! `${VAR?error}`, `${VAR:+replacement}`, `${VAR+replacement}`, and `$$` for a literal `$`.

use std::collections::BTreeMap;

/// Replaces every variable in `text`; the error says which variable and why, in the file's own words.
pub fn interpolate(text: &str, variables: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(braced) = after.strip_prefix('{') {
            let end = closing_brace(braced)
                .ok_or_else(|| format!("`${{{braced}` has no closing brace"))?;
            out.push_str(&expand(&braced[..end], variables)?);
            rest = &braced[end + 1..];
        } else {
            let name_len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if name_len == 0 {
                return Err("a lone `$` must be written `$$`".to_string());
            }
            out.push_str(variables.get(&after[..name_len]).map_or("", String::as_str));
            rest = &after[name_len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The index of the brace closing a `${`, counting nested `${…}` in defaults.
fn closing_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (index, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(index),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn expand(expression: &str, variables: &BTreeMap<String, String>) -> Result<String, String> {
    let name_len = expression
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(expression.len());
    let (name, operator) = expression.split_at(name_len);
    if name.is_empty() {
        return Err(format!("`${{{expression}}}` names no variable"));
    }
    let value = variables.get(name);
    let set_and_not_empty = value.is_some_and(|v| !v.is_empty());
    let nested = |text: &str| interpolate(text, variables);
    match operator {
        "" => Ok(value.cloned().unwrap_or_default()),
        _ if operator.starts_with(":-") => match value {
            Some(v) if !v.is_empty() => Ok(v.clone()),
            _ => nested(&operator[2..]),
        },
        _ if operator.starts_with('-') => match value {
            Some(v) => Ok(v.clone()),
            None => nested(&operator[1..]),
        },
        _ if operator.starts_with(":?") => match value {
            Some(v) if !v.is_empty() => Ok(v.clone()),
            _ => Err(required(name, &operator[2..], "set and not empty")),
        },
        _ if operator.starts_with('?') => match value {
            Some(v) => Ok(v.clone()),
            None => Err(required(name, &operator[1..], "set")),
        },
        _ if operator.starts_with(":+") => {
            if set_and_not_empty {
                nested(&operator[2..])
            } else {
                Ok(String::new())
            }
        }
        _ if operator.starts_with('+') => {
            if value.is_some() {
                nested(&operator[1..])
            } else {
                Ok(String::new())
            }
        }
        _ => Err(format!(
            "`${{{expression}}}`: after the name comes `:-`, `-`, `:?`, `?`, `:+` or `+`"
        )),
    }
}

fn required(name: &str, message: &str, how: &str) -> String {
    if message.is_empty() {
        format!("variable {name} must be {how}")
    } else {
        format!("variable {name} must be {how}: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        [("TAG", "v2"), ("EMPTY", "")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_form_of_the_spec_expands() {
        let cases = [
            ("app:${TAG}", "app:v2"),
            ("app:$TAG-x", "app:v2-x"),
            ("${MISSING:-v1}", "v1"),
            ("${EMPTY:-v1}", "v1"),
            ("${EMPTY-v1}", ""),
            ("${MISSING-${TAG}}", "v2"),
            ("${TAG:+set}", "set"),
            ("${EMPTY:+set}", ""),
            ("${EMPTY+set}", "set"),
            ("cost $$5", "cost $5"),
            ("${MISSING}", ""),
        ];
        for (text, expected) in cases {
            assert_eq!(
                interpolate(text, &vars()).as_deref(),
                Ok(expected),
                "{text}"
            );
        }
    }

    #[test]
    fn required_variables_and_broken_syntax_say_why() {
        let error = interpolate("${DB_PASSWORD:?set it in .env}", &vars()).expect_err("required");
        assert_eq!(
            error,
            "variable DB_PASSWORD must be set and not empty: set it in .env"
        );
        assert!(interpolate("${EMPTY:?}", &vars()).is_err());
        assert_eq!(interpolate("${EMPTY?}", &vars()).as_deref(), Ok(""));
        assert!(interpolate("${TAG", &vars()).is_err());
        assert!(interpolate("5 $ off", &vars()).is_err());
        assert!(interpolate("${TAG/x}", &vars()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn text_without_dollars_is_unchanged(text in "[^$]{0,40}") {
            proptest::prop_assert_eq!(interpolate(&text, &vars()), Ok(text));
        }

        #[test]
        fn escaped_dollars_round_trip(text in "[a-z$ ]{0,40}") {
            let escaped = text.replace('$', "$$");
            proptest::prop_assert_eq!(interpolate(&escaped, &vars()), Ok(text));
        }
    }
}
