//! Image references against the distribution reference grammar.

use crate::error::{Error, Result};

/// Image name and tag against the distribution reference grammar; returns `name:tag` or `name@digest`.
pub fn image_reference(name: &str, tag: &str) -> Result<String> {
    image_name(name)?;
    if let Some(hex) = tag.strip_prefix("sha256:") {
        if hex.len() != 64
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(Error::invalid(
                "image_tag",
                "a sha256 digest has 64 lowercase hex characters",
            ));
        }
        return Ok(format!("{name}@{tag}"));
    }
    let bytes = tag.as_bytes();
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let valid = !bytes.is_empty()
        && bytes.len() <= 128
        && bytes.first().is_some_and(word)
        && bytes.iter().all(|b| word(b) || matches!(b, b'.' | b'-'));
    if !valid {
        return Err(Error::invalid(
            "image_tag",
            "must be 1–128 characters of letters, digits, '_', '.' or '-', not starting with '.' or '-' (or a sha256: digest)",
        ));
    }
    Ok(format!("{name}:{tag}"))
}

fn image_name(name: &str) -> Result<()> {
    const RULE: &str = "must be [registry[:port]/]path with lowercase path components of letters, digits and single separators ('.', '_', '__' or '-')";
    if name.is_empty() {
        return Err(Error::invalid("image_name", "must not be empty"));
    }
    if name.len() > 255 {
        return Err(Error::invalid(
            "image_name",
            "must be at most 255 characters",
        ));
    }
    if name.contains(['@'])
        || name
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains(':'))
    {
        return Err(Error::invalid(
            "image_name",
            "must not contain a tag or digest: put it in image_tag",
        ));
    }
    let mut components: Vec<&str> = name.split('/').collect();
    let has_domain = components.len() > 1
        && components
            .first()
            .is_some_and(|first| first.contains(['.', ':']) || *first == "localhost");
    if has_domain {
        let domain = components.remove(0);
        if !is_domain(domain) {
            return Err(Error::invalid(
                "image_name",
                format!("registry {domain:?} is not a host[:port]"),
            ));
        }
    }
    if components
        .iter()
        .all(|component| is_path_component(component))
    {
        Ok(())
    } else {
        Err(Error::invalid("image_name", RULE))
    }
}

fn is_domain(domain: &str) -> bool {
    let (host, port) = match domain.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let host_ok = !host.is_empty()
        && host.split('.').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b.first().is_some_and(u8::is_ascii_alphanumeric)
                && b.last().is_some_and(u8::is_ascii_alphanumeric)
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        });
    host_ok && port_ok
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_path_component(component: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut rest = component;
    loop {
        let run = rest.find(|c: char| !alnum(c)).unwrap_or(rest.len());
        if run == 0 {
            return false;
        }
        rest = &rest[run..];
        if rest.is_empty() {
            return true;
        }
        let separator = rest.find(alnum).unwrap_or(rest.len());
        let sep = &rest[..separator];
        let valid_separator =
            sep == "." || sep == "_" || sep == "__" || sep.chars().all(|c| c == '-');
        if !valid_separator {
            return false;
        }
        rest = &rest[separator..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_grammar_edges() {
        assert!(image_reference("localhost:5000/app", "latest").is_ok());
        assert!(image_reference("a__b/c-d.e", "1.0_rc-2").is_ok());
        assert!(image_reference("app", &format!("sha256:{}", "a".repeat(64))).is_ok());
        assert!(image_reference("app_", "v1").is_err());
        assert!(image_reference("a___b", "v1").is_err());
        assert!(image_reference("app", &"t".repeat(129)).is_err());
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        /// distribution/reference's grammar (`reference.go`), anchored, with the docker CLI's rule that the first
        /// of several components is a registry when it holds a '.' or a ':' or is `localhost`.
        fn grammar_accepts(name: &str, tag: &str) -> bool {
            use std::sync::LazyLock;
            const PATH: &str = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
            const DOMAIN_COMPONENT: &str = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
            static REMOTE: LazyLock<regex::Regex> = LazyLock::new(|| {
                regex::Regex::new(&format!("^{PATH}(?:/{PATH})*$")).expect("regex")
            });
            static REGISTRY: LazyLock<regex::Regex> = LazyLock::new(|| {
                let domain = format!(r"{DOMAIN_COMPONENT}(?:\.{DOMAIN_COMPONENT})*(?::[0-9]+)?");
                regex::Regex::new(&format!("^{domain}$")).expect("regex")
            });
            static TAG: LazyLock<regex::Regex> =
                LazyLock::new(|| regex::Regex::new(r"^[\w][\w.-]{0,127}$").expect("regex"));
            let name_ok = match name.split_once('/') {
                Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => {
                    REGISTRY.is_match(first) && REMOTE.is_match(rest)
                }
                _ => REMOTE.is_match(name),
            };
            name_ok && name.len() <= 255 && TAG.is_match(tag)
        }

        fn text(alphabet: &'static str, max: usize) -> impl Strategy<Value = String> {
            proptest::collection::vec(
                proptest::sample::select(alphabet.chars().collect::<Vec<_>>()),
                0..max,
            )
            .prop_map(|chars| chars.into_iter().collect())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(10_000))]

            #[test]
            fn image_references_are_accepted_exactly_when_the_grammar_accepts_them(
                name in text("ab0-_./:Lcl", 16),
                tag in text("v1_.-X", 8),
            ) {
                prop_assert_eq!(image_reference(&name, &tag).is_ok(), grammar_accepts(&name, &tag),
                    "name {:?} tag {:?}", name, tag);
            }
        }
    }
}
