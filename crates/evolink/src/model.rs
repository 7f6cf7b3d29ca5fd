//! The typed create request, checked against the model manifest (`sora_models`) before anything
//! goes over the network, and the rules for the addresses it may carry.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};
use sora_models::{
    manifest, unknown_model, Choices, Invalid, Model, PictureRoles, Settled, Variant,
};

use crate::error::{Error, ErrorKind, Words};

/// A request to make one video, as the app thinks of it: a model (EvoLink's id), a prompt,
/// the person's choices and the uploaded pictures by role. What each model accepts is data
/// (`sora_models`); [`VideoRequest::to_body`] checks the request against it.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoRequest {
    /// EvoLink's `model` value, e.g. `kling-v3-image-to-video`.
    pub model: String,
    pub prompt: String,
    pub choices: Choices,
    /// URL of the first frame, already uploaded through the file API.
    pub first_image: Option<String>,
    /// URL of the last frame, already uploaded through the file API.
    pub last_image: Option<String>,
    pub callback_url: Option<String>,
}

impl VideoRequest {
    /// A request for `model` (EvoLink's id) with every choice at the model's default.
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        VideoRequest {
            model: model.into(),
            prompt: prompt.into(),
            choices: Choices::default(),
            first_image: None,
            last_image: None,
            callback_url: None,
        }
    }

    /// A request for the default model (Sora 2) of this shape and length.
    pub fn sora(prompt: impl Into<String>, aspect: &str, duration: i64) -> Self {
        let mut request = Self::new(manifest().default_model().api_id(false), prompt);
        request.choices.aspect = Some(aspect.to_string());
        request.choices.duration = Some(duration);
        request
    }

    pub fn with_choices(mut self, choices: Choices) -> Self {
        self.choices = choices;
        self
    }

    pub fn with_image(mut self, url: impl Into<String>) -> Self {
        self.first_image = Some(url.into());
        self
    }

    pub fn with_last_image(mut self, url: impl Into<String>) -> Self {
        self.last_image = Some(url.into());
        self
    }

    pub fn with_callback(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// The model entry and its settled choices, checked: everything short of the URLs.
    pub fn settle(&self) -> Result<(&'static Model, Settled), Error> {
        let (model, _) = manifest()
            .by_api_id(&self.model)
            .ok_or_else(|| from_invalid(unknown_model(&self.model)))?;
        model.check_prompt(&self.prompt).map_err(from_invalid)?;
        let roles = PictureRoles {
            first: self.first_image.is_some(),
            last: self.last_image.is_some(),
        };
        let settled = model.settle(&self.choices, roles).map_err(from_invalid)?;
        if settled.api_id != self.model {
            let why = if roles.any() {
                Words::new("problem.invalid_input.takes_no_pictures")
                    .with("model", self.model.as_str())
                    .with("instead", settled.api_id.as_str())
            } else {
                Words::new("problem.invalid_input.needs_picture").with("model", self.model.as_str())
            };
            return Err(invalid(why));
        }
        Ok((model, settled))
    }

    /// Checks the request against its model and builds the JSON body of the create call.
    pub fn to_body(&self) -> Result<Value, Error> {
        let (model, settled) = self.settle()?;
        for url in self.first_image.iter().chain(&self.last_image) {
            match url::Url::parse(url) {
                Ok(p) if p.scheme() == "https" || p.scheme() == "http" => {}
                _ => {
                    return Err(Error::new(
                        ErrorKind::ImageRejected,
                        Words::new("problem.image_rejected.not_uploaded"),
                    ))
                }
            }
        }
        if let Some(cb) = &self.callback_url {
            validate_callback_url(cb)?;
        }
        let variant = if self.first_image.is_some() || self.last_image.is_some() {
            Variant::Picture
        } else {
            Variant::Text
        };
        let mut body = Map::new();
        body.insert("model".into(), Value::String(settled.api_id.clone()));
        body.insert("prompt".into(), Value::String(self.prompt.clone()));
        body.extend(model.body_fields(&settled, variant));
        body.extend(model.picture_fields(self.first_image.as_deref(), self.last_image.as_deref()));
        if let Some(cb) = &self.callback_url {
            body.insert("callback_url".into(), Value::String(cb.clone()));
        }
        Ok(Value::Object(body))
    }
}

fn from_invalid(e: Invalid) -> Error {
    invalid(e.message)
}

fn invalid(msg: Words) -> Error {
    Error::new(ErrorKind::InvalidInput, msg)
}

/// Callback URL rules of the contract: HTTPS only, at most 2048 characters, and no address
/// that points into the user's own machine or network (loopback, private, link-local,
/// unspecified, CGNAT, multicast; IPv6 included; `localhost` names too).
pub fn validate_callback_url(raw: &str) -> Result<(), Error> {
    let bad = |words: Words| invalid(words);
    if raw.chars().count() > 2048 {
        return Err(bad(Words::new("problem.invalid_input.callback_too_long")));
    }
    let u = url::Url::parse(raw)
        .map_err(|_| bad(Words::new("problem.invalid_input.callback_not_an_address")))?;
    if u.scheme() != "https" {
        return Err(bad(Words::new("problem.invalid_input.callback_not_https")));
    }
    match u.host() {
        None => Err(bad(Words::new("problem.invalid_input.callback_no_host"))),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "localhost"
                || d.ends_with(".localhost")
                || d.ends_with(".local")
                || d.ends_with(".internal")
                || !d.contains('.')
            {
                Err(bad(Words::new("problem.invalid_input.callback_local_name")))
            } else {
                Ok(())
            }
        }
        Some(url::Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip))
            .map_err(|_| bad(Words::new("problem.invalid_input.callback_private"))),
        Some(url::Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip))
            .map_err(|_| bad(Words::new("problem.invalid_input.callback_private"))),
    }
}

fn check_ip(ip: IpAddr) -> Result<(), ()> {
    let ok = match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                public_v4(v4)
            } else {
                public_v6(v6)
            }
        }
    };
    if ok {
        Ok(())
    } else {
        Err(())
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10 shared (CGNAT)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24 protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15 benchmarking
        || o[0] >= 240) // reserved
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x0064 && s[1] == 0xff9b)) // NAT64 can reach private v4
}

/// Checks a caller-supplied idempotency key: 16 to 96 characters of `[A-Za-z0-9._-]`.
pub fn validate_idempotency_key(key: &str) -> Result<(), Error> {
    let ok = (16..=96).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(invalid(Words::new("problem.invalid_input.idempotency_key")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> VideoRequest {
        VideoRequest::sora("a cat surfing", "16:9", 8)
    }

    #[test]
    fn builds_body_with_aspect_ratio_words() {
        let b = req().to_body().unwrap();
        assert_eq!(
            b,
            serde_json::json!({"model": "sora-2-preview", "prompt": "a cat surfing", "aspect_ratio": "16:9", "duration": 8})
        );
        let p = VideoRequest::sora("x", "9:16", 4).to_body().unwrap();
        assert_eq!(p["aspect_ratio"], "9:16");
    }

    #[test]
    fn the_picture_variant_must_match_the_pictures() {
        let text = VideoRequest::new("kling-v3-text-to-video", "a kite");
        assert!(text.to_body().is_ok());
        let e = text
            .clone()
            .with_image("https://f.example/a.png")
            .to_body()
            .unwrap_err();
        assert!(e.message().english().contains("takes no pictures"), "{e:?}");
        let picture = VideoRequest::new("kling-v3-image-to-video", "a kite");
        assert!(picture
            .to_body()
            .unwrap_err()
            .message()
            .english()
            .contains("needs a picture"));
        let b = picture
            .with_image("https://f.example/a.png")
            .with_last_image("https://f.example/b.png")
            .to_body()
            .unwrap();
        assert_eq!(b["image_start"], "https://f.example/a.png");
        assert_eq!(b["image_end"], "https://f.example/b.png");
        assert!(b.get("aspect_ratio").is_none());
    }

    #[test]
    fn prompt_limit_counts_characters_not_bytes() {
        let mut r = req();
        r.prompt = "é".repeat(5000); // 10000 bytes, 5000 chars
        assert!(r.to_body().is_ok());
        r.prompt = "é".repeat(5001);
        let e = r.to_body().unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.message().english().contains("5,001"), "{e}");
        r.prompt = "   \n".into();
        assert_eq!(r.to_body().unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn durations_and_images() {
        for d in [0, 5, 10, 15, 25] {
            let mut r = req();
            r.choices.duration = Some(d);
            assert_eq!(r.to_body().unwrap_err().code(), "invalid_input", "{d}");
        }
        let r = req()
            .with_image("https://f.example/a.png")
            .with_last_image("https://f.example/b.png");
        assert_eq!(r.to_body().unwrap_err().code(), "invalid_input");
        let r = req().with_image("/home/me/a.png");
        assert_eq!(r.to_body().unwrap_err().code(), "image_rejected");
    }

    #[test]
    fn unknown_model_and_quality() {
        let mut r = req();
        r.model = "nope".into();
        assert!(r.to_body().is_err());
        let mut r = req();
        r.model = "sora-2-pro-preview".into();
        r.choices.quality = Some("1080p".into());
        assert_eq!(r.to_body().unwrap()["quality"], "1080p");
        r.choices.quality = Some("4k".into());
        assert!(r.to_body().is_err());
        let mut r = req();
        r.choices.quality = Some("720p".into());
        assert!(r.to_body().is_err());
    }

    #[test]
    fn callback_rules() {
        let good = [
            "https://hooks.example.com/sora",
            "https://8.8.8.8/x",
            "https://[2606:4700::1111]/cb",
        ];
        for u in good {
            assert!(validate_callback_url(u).is_ok(), "{u}");
        }
        let long = format!("https://hooks.example.com/{}", "a".repeat(2048));
        let bad = [
            "http://hooks.example.com/x",
            "ftp://hooks.example.com/x",
            "not a url",
            "https://localhost/x",
            "https://LOCALHOST./x",
            "https://api.localhost/x",
            "https://intranet/x",
            "https://127.0.0.1/x",
            "https://127.1.2.3:8443/x",
            "https://2130706433/x", // 127.0.0.1 as an integer
            "https://10.0.0.5/x",
            "https://172.16.0.1/x",
            "https://172.31.255.255/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest",
            "https://0.0.0.0/x",
            "https://100.64.0.1/x",
            "https://[::1]/x",
            "https://[::]/x",
            "https://[fe80::1]/x",
            "https://[fd00::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://[::ffff:10.1.2.3]/x",
            long.as_str(),
        ];
        for u in bad {
            let e = validate_callback_url(u).unwrap_err();
            assert_eq!(e.code(), "invalid_input", "{u}");
        }
        assert!(validate_callback_url("https://172.32.0.1/x").is_ok());
        assert!(req().with_callback("https://10.1.1.1/x").to_body().is_err());
    }

    #[test]
    fn idempotency_keys() {
        assert!(validate_idempotency_key("sd-0123456789abcdef").is_ok());
        assert!(validate_idempotency_key(&"a".repeat(96)).is_ok());
        assert!(validate_idempotency_key(&"a".repeat(97)).is_err());
        assert!(validate_idempotency_key("short").is_err());
        assert!(validate_idempotency_key("has space 0123456789").is_err());
        assert!(validate_idempotency_key("ünïcödé-0123456789").is_err());
    }
}
