//! Video models as data: what each model accepts, and the typed request that is checked against
//! that description before anything goes over the network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use crate::error::{Error, ErrorKind};

/// Landscape or portrait. The frame sizes are those of the image a model requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Orientation {
    Landscape,
    Portrait,
}

impl Orientation {
    /// Exact pixel size a reference image must have, for the Sora models.
    pub fn frame(self) -> (u32, u32) {
        match self {
            Orientation::Landscape => (1280, 720),
            Orientation::Portrait => (720, 1280),
        }
    }
}

/// What one model accepts on `POST /v1/videos/generations`. New models are new rows in
/// [`MODELS`], not new branches in code.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// The `model` value sent to EvoLink.
    pub id: &'static str,
    /// Name to show people.
    pub display_name: &'static str,
    /// `aspect_ratio` value sent for each orientation.
    pub aspect_ratios: &'static [(Orientation, &'static str)],
    /// Accepted `duration` values in seconds.
    pub durations: &'static [u32],
    pub default_duration: u32,
    /// Prompt limit in characters (Unicode scalar values, not bytes).
    pub max_prompt_chars: usize,
    /// Maximum number of `image_urls`.
    pub max_images: usize,
    /// Accepted `quality` values; empty when the model has no such parameter.
    pub qualities: &'static [&'static str],
    /// Price multiplier per quality (same order as `qualities`).
    pub quality_price_factor: &'static [f64],
    /// Estimated credits per second of video, from a public price list. An estimate to show
    /// before submitting, never a promise: the `credits_reserved` that comes back wins.
    pub estimated_credits_per_second: Option<f64>,
}

/// `sora-2-preview`: 16:9 / 9:16, 4/8/12 s, one image, 5000 characters.
pub const SORA_2_PREVIEW: ModelSpec = ModelSpec {
    id: "sora-2-preview",
    display_name: "Sora 2",
    aspect_ratios: &[
        (Orientation::Landscape, "16:9"),
        (Orientation::Portrait, "9:16"),
    ],
    durations: &[4, 8, 12],
    default_duration: 4,
    max_prompt_chars: 5000,
    max_images: 1,
    qualities: &[],
    quality_price_factor: &[],
    estimated_credits_per_second: Some(5.76),
};

/// `sora-2-pro-preview`: as above plus `quality` 720p/1080p (1080p about 1.67x the price).
pub const SORA_2_PRO_PREVIEW: ModelSpec = ModelSpec {
    id: "sora-2-pro-preview",
    display_name: "Sora 2 Pro",
    aspect_ratios: &[
        (Orientation::Landscape, "16:9"),
        (Orientation::Portrait, "9:16"),
    ],
    durations: &[4, 8, 12],
    default_duration: 4,
    max_prompt_chars: 5000,
    max_images: 1,
    qualities: &["720p", "1080p"],
    quality_price_factor: &[1.0, 1.67],
    estimated_credits_per_second: None,
};

/// The capability table.
pub const MODELS: &[ModelSpec] = &[SORA_2_PREVIEW, SORA_2_PRO_PREVIEW];

/// The model the app uses by default.
pub const DEFAULT_MODEL: &str = "sora-2-preview";

/// Looks a model up in [`MODELS`].
pub fn model_spec(id: &str) -> Option<&'static ModelSpec> {
    MODELS.iter().find(|m| m.id == id)
}

impl ModelSpec {
    pub fn aspect_ratio(&self, o: Orientation) -> Option<&'static str> {
        self.aspect_ratios
            .iter()
            .find(|(x, _)| *x == o)
            .map(|(_, a)| *a)
    }

    /// Estimated price of a video, or `None` when no price is known for this model.
    pub fn estimate_credits(&self, duration: u32, quality: Option<&str>) -> Option<f64> {
        let per_s = self.estimated_credits_per_second?;
        let factor = match quality {
            Some(q) => self
                .qualities
                .iter()
                .position(|x| *x == q)
                .and_then(|i| self.quality_price_factor.get(i).copied())
                .unwrap_or(1.0),
            None => 1.0,
        };
        Some(((per_s * duration as f64 * factor) * 100.0).round() / 100.0)
    }
}

/// A request to make one video, as the app thinks of it.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoRequest {
    pub model: String,
    pub prompt: String,
    pub orientation: Orientation,
    /// Seconds.
    pub duration: u32,
    /// URL of an image already uploaded through the file API.
    pub image_urls: Vec<String>,
    pub callback_url: Option<String>,
    /// Only for models that have a quality parameter.
    pub quality: Option<String>,
}

impl VideoRequest {
    /// A `sora-2-preview` request with no image.
    pub fn new(prompt: impl Into<String>, orientation: Orientation, duration: u32) -> Self {
        VideoRequest {
            model: DEFAULT_MODEL.to_string(),
            prompt: prompt.into(),
            orientation,
            duration,
            image_urls: Vec::new(),
            callback_url: None,
            quality: None,
        }
    }

    pub fn with_image(mut self, url: impl Into<String>) -> Self {
        self.image_urls.push(url.into());
        self
    }

    pub fn with_callback(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    pub fn with_model(mut self, model: impl Into<String>) -> Self {
        self.model = model.into();
        self
    }

    /// Checks the request against the model's description and builds the JSON body.
    pub fn to_body(&self) -> Result<CreateBody, Error> {
        let spec = model_spec(&self.model).ok_or_else(|| {
            invalid(format!(
                "The app does not know the model \"{}\". Pick one of the offered models.",
                self.model
            ))
        })?;
        let prompt = self.prompt.trim();
        if prompt.is_empty() {
            return Err(invalid("Describe the video you want: the prompt is empty."));
        }
        let n = self.prompt.chars().count();
        if n > spec.max_prompt_chars {
            return Err(invalid(format!(
                "The prompt is {n} characters long; {} allows at most {}. Shorten it a little.",
                spec.display_name, spec.max_prompt_chars
            )));
        }
        let aspect = spec.aspect_ratio(self.orientation).ok_or_else(|| {
            invalid(format!(
                "{} cannot make {:?} videos.",
                spec.display_name, self.orientation
            ))
        })?;
        if !spec.durations.contains(&self.duration) {
            let list: Vec<String> = spec.durations.iter().map(|d| d.to_string()).collect();
            return Err(invalid(format!(
                "A video can be {} seconds long, not {}.",
                list.join(", "),
                self.duration
            )));
        }
        if self.image_urls.len() > spec.max_images {
            return Err(invalid(format!(
                "Only {} picture can be used per video.",
                spec.max_images
            )));
        }
        for u in &self.image_urls {
            match url::Url::parse(u) {
                Ok(p) if p.scheme() == "https" || p.scheme() == "http" => {}
                _ => {
                    return Err(Error::new(
                        ErrorKind::ImageRejected,
                        "The picture must be uploaded first; its address is not a web link.",
                    ))
                }
            }
        }
        if let Some(cb) = &self.callback_url {
            validate_callback_url(cb)?;
        }
        let quality = match (&self.quality, spec.qualities.is_empty()) {
            (None, _) => None,
            (Some(_), true) => {
                return Err(invalid(format!(
                    "{} has no quality setting.",
                    spec.display_name
                )))
            }
            (Some(q), false) if spec.qualities.contains(&q.as_str()) => Some(q.clone()),
            (Some(q), false) => {
                return Err(invalid(format!(
                    "Quality \"{q}\" is not offered; choose {}.",
                    spec.qualities.join(" or ")
                )))
            }
        };
        Ok(CreateBody {
            model: spec.id.to_string(),
            prompt: self.prompt.clone(),
            aspect_ratio: aspect.to_string(),
            duration: self.duration,
            image_urls: if self.image_urls.is_empty() {
                None
            } else {
                Some(self.image_urls.clone())
            },
            callback_url: self.callback_url.clone(),
            quality,
        })
    }
}

/// The JSON body of `POST /v1/videos/generations`, already validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateBody {
    pub model: String,
    pub prompt: String,
    pub aspect_ratio: String,
    pub duration: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_urls: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, msg)
}

/// Callback URL rules of the contract: HTTPS only, at most 2048 characters, and no address
/// that points into the user's own machine or network (loopback, private, link-local,
/// unspecified, CGNAT, multicast; IPv6 included; `localhost` names too).
pub fn validate_callback_url(raw: &str) -> Result<(), Error> {
    let bad = |why: &str| invalid(format!("The notification (callback) address {why}."));
    if raw.chars().count() > 2048 {
        return Err(bad("is longer than 2048 characters"));
    }
    let u = url::Url::parse(raw).map_err(|_| bad("is not a valid web address"))?;
    if u.scheme() != "https" {
        return Err(bad("must start with https://"));
    }
    match u.host() {
        None => Err(bad("has no host name")),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            if d == "localhost"
                || d.ends_with(".localhost")
                || d.ends_with(".local")
                || d.ends_with(".internal")
                || !d.contains('.')
            {
                Err(bad("must be a public internet address, not a local name"))
            } else {
                Ok(())
            }
        }
        Some(url::Host::Ipv4(ip)) => check_ip(IpAddr::V4(ip))
            .map_err(|_| bad("must be a public internet address, not a private or local one")),
        Some(url::Host::Ipv6(ip)) => check_ip(IpAddr::V6(ip))
            .map_err(|_| bad("must be a public internet address, not a private or local one")),
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
        Err(invalid(
            "Internal error: the request's idempotency key must be 16 to 96 letters, digits, dots, dashes or underscores.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> VideoRequest {
        VideoRequest::new("a cat surfing", Orientation::Landscape, 8)
    }

    #[test]
    fn builds_body_with_aspect_ratio_words() {
        let b = req().to_body().unwrap();
        assert_eq!(b.aspect_ratio, "16:9");
        assert_eq!(b.duration, 8);
        let p = VideoRequest::new("x", Orientation::Portrait, 4)
            .to_body()
            .unwrap();
        assert_eq!(p.aspect_ratio, "9:16");
        let j = serde_json::to_value(&b).unwrap();
        assert!(j.get("image_urls").is_none() && j.get("callback_url").is_none());
        assert_eq!(j["model"], "sora-2-preview");
    }

    #[test]
    fn prompt_limit_counts_characters_not_bytes() {
        let mut r = req();
        r.prompt = "é".repeat(5000); // 10000 bytes, 5000 chars
        assert!(r.to_body().is_ok());
        r.prompt = "é".repeat(5001);
        let e = r.to_body().unwrap_err();
        assert_eq!(e.code(), "invalid_input");
        assert!(e.message().contains("5001"));
        r.prompt = "   \n".into();
        assert_eq!(r.to_body().unwrap_err().code(), "invalid_input");
    }

    #[test]
    fn durations_and_images() {
        for d in [0, 5, 10, 15, 25] {
            let mut r = req();
            r.duration = d;
            assert_eq!(r.to_body().unwrap_err().code(), "invalid_input", "{d}");
        }
        let r = req()
            .with_image("https://f.example/a.png")
            .with_image("https://f.example/b.png");
        assert_eq!(r.to_body().unwrap_err().code(), "invalid_input");
        let r = req().with_image("/home/me/a.png");
        assert_eq!(r.to_body().unwrap_err().code(), "image_rejected");
    }

    #[test]
    fn unknown_model_and_quality() {
        assert!(req().with_model("nope").to_body().is_err());
        let mut r = req().with_model("sora-2-pro-preview");
        r.quality = Some("1080p".into());
        assert_eq!(r.to_body().unwrap().quality.as_deref(), Some("1080p"));
        r.quality = Some("4k".into());
        assert!(r.to_body().is_err());
        let mut r = req();
        r.quality = Some("720p".into());
        assert!(r.to_body().is_err());
    }

    #[test]
    fn estimates_match_price_list() {
        assert_eq!(SORA_2_PREVIEW.estimate_credits(4, None), Some(23.04));
        assert_eq!(SORA_2_PREVIEW.estimate_credits(8, None), Some(46.08));
        assert_eq!(SORA_2_PREVIEW.estimate_credits(12, None), Some(69.12));
        assert_eq!(SORA_2_PRO_PREVIEW.estimate_credits(4, None), None);
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
