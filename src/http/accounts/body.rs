//! Request bodies of the integrated-account endpoints (Truto's import shape, Jamf fields in
//! `context`) and their validation. Every field is optional at the serde level so that all
//! missing fields are named in one 400; unknown fields are refused by serde.

use secrecy::{ExposeSecret as _, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::accounts::{AccountPatch, AuthMethod, Credentials};
use crate::http::body::missing_fields;
use crate::http::error::ApiError;

const MAX_IDENTITY_LEN: usize = 256;
const MAX_SECRET_LEN: usize = 4096;

/// `POST /integrated-account`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    /// Your customer's id; `[A-Za-z0-9._:@+-]{1,256}`. Immutable.
    // Optional for serde only, so every missing field is named in one 400; required on the wire.
    #[schema(value_type = String, required = true, example = "acme")]
    tenant_id: Option<String>,
    #[schema(value_type = AuthMethod, required = true)]
    authentication_method: Option<AuthMethod>,
    #[schema(value_type = ContextBody, required = true)]
    context: Option<ContextBody>,
}

/// `PATCH /integrated-account/{id}`: any subset; what changes is re-validated.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PatchBody {
    /// Changing it needs the new identity and secret in `context`.
    authentication_method: Option<AuthMethod>,
    context: Option<ContextBody>,
    /// Accepted only to answer "cannot be changed" rather than "unknown field".
    #[schema(ignore)]
    tenant_id: Option<serde::de::IgnoredAny>,
}

/// The Jamf connection. `oauth2_client_credentials` uses `client_id` + `client_secret`;
/// `basic` uses `username` + `password`. Secrets are write-only: never returned.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContextBody {
    /// `https://…` base URL of the Jamf Pro instance.
    #[schema(example = "https://acme.jamfcloud.com")]
    instance_url: Option<String>,
    /// Jamf Cloud shorthand: `acme` means `https://acme.jamfcloud.com`.
    #[schema(example = "acme")]
    company_name: Option<String>,
    #[schema(example = "8f2c5a6e-3c1b-4f8e-9d0a-1b2c3d4e5f60")]
    client_id: Option<String>,
    #[schema(value_type = Option<String>, format = Password)]
    client_secret: Option<SecretString>,
    username: Option<String>,
    #[schema(value_type = Option<String>, format = Password)]
    password: Option<SecretString>,
}

/// `POST /integrated-account/refresh-credentials`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBody {
    /// The integrated account id.
    #[schema(value_type = String, format = Uuid, required = true)]
    pub id: Option<String>,
}

impl CreateBody {
    /// The tenant and the Jamf credentials, or a 400 naming what is wrong.
    pub fn validate(self) -> Result<(String, Credentials), ApiError> {
        let mut missing = Vec::new();
        let tenant = present(self.tenant_id, "tenant_id", &mut missing);
        if self.authentication_method.is_none() {
            missing.push("authentication_method");
        }
        let context = self.context.unwrap_or_else(ContextBody::empty);
        let (url, principal, secret) =
            context.required(self.authentication_method, &mut missing)?;
        match (tenant, self.authentication_method, url, principal, secret) {
            (Some(tenant), Some(method), Some(instance_url), Some(principal), Some(secret))
                if missing.is_empty() =>
            {
                check_tenant(&tenant)?;
                Ok((
                    tenant,
                    Credentials {
                        method,
                        instance_url,
                        principal,
                        secret,
                    },
                ))
            }
            _ => Err(missing_fields(&missing)),
        }
    }
}

impl PatchBody {
    pub fn validate(self) -> Result<AccountPatch, ApiError> {
        if self.tenant_id.is_some() {
            return Err(ApiError::bad_request(
                "tenant_id cannot be changed; create a new integrated account instead",
            ));
        }
        let Some(context) = self.context else {
            return Err(missing_fields(&["context"]));
        };
        let method = self.authentication_method;
        let (instance_url, principal, secret) = context.optional(method)?;
        if instance_url.is_none() && principal.is_none() && secret.is_none() {
            return Err(missing_fields(&["context"]));
        }
        Ok(AccountPatch {
            method,
            instance_url,
            principal,
            secret,
        })
    }
}

type ContextParts = (Option<String>, Option<String>, Option<SecretString>);

impl ContextBody {
    fn empty() -> Self {
        Self {
            instance_url: None,
            company_name: None,
            client_id: None,
            client_secret: None,
            username: None,
            password: None,
        }
    }

    /// Create: every part must be there (or is recorded in `missing`).
    fn required(
        self,
        method: Option<AuthMethod>,
        missing: &mut Vec<&'static str>,
    ) -> Result<ContextParts, ApiError> {
        let (id_name, secret_name) = names(method.unwrap_or(AuthMethod::OAuth2ClientCredentials));
        let no_url = blank(&self.instance_url) && blank(&self.company_name);
        let (url, principal, secret) = self.optional(method)?;
        if no_url {
            missing.push("context.instance_url");
        }
        if principal.is_none() {
            missing.push(id_name);
        }
        if secret.is_none() {
            missing.push(secret_name);
        }
        Ok((url, principal, secret))
    }

    /// The URL, identity and secret given; fields of the other method are refused. With no
    /// method (a PATCH that keeps it), either method's fields are accepted, not a mix.
    fn optional(self, method: Option<AuthMethod>) -> Result<ContextParts, ApiError> {
        let oauth = [!blank(&self.client_id), !blank_secret(&self.client_secret)];
        let basic = [!blank(&self.username), !blank_secret(&self.password)];
        let wrong = match method {
            Some(AuthMethod::OAuth2ClientCredentials) => basic.contains(&true),
            Some(AuthMethod::Basic) => oauth.contains(&true),
            None => oauth.contains(&true) && basic.contains(&true),
        };
        if wrong {
            return Err(ApiError::bad_request(
                "context mixes fields of the two authentication methods: oauth2_client_credentials uses client_id and client_secret, basic uses username and password",
            ));
        }
        let url = match (nonblank(self.instance_url), nonblank(self.company_name)) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request(
                    "give context.instance_url or context.company_name, not both",
                ));
            }
            (Some(url), None) => Some(url),
            (None, Some(company)) => Some(jamf_cloud_url(&company)?),
            (None, None) => None,
        };
        let principal = nonblank(self.client_id.or(self.username));
        let secret = self
            .client_secret
            .or(self.password)
            .filter(|s| !s.expose_secret().is_empty());
        if principal
            .as_ref()
            .is_some_and(|p| p.len() > MAX_IDENTITY_LEN || p.chars().any(char::is_control))
        {
            return Err(ApiError::bad_request(format!(
                "the client_id or username must be 1-{MAX_IDENTITY_LEN} printable characters"
            )));
        }
        if secret
            .as_ref()
            .is_some_and(|s| s.expose_secret().len() > MAX_SECRET_LEN)
        {
            return Err(ApiError::bad_request(format!(
                "the client_secret or password must be at most {MAX_SECRET_LEN} bytes"
            )));
        }
        Ok((url, principal, secret))
    }
}

fn names(method: AuthMethod) -> (&'static str, &'static str) {
    match method {
        AuthMethod::OAuth2ClientCredentials => ("context.client_id", "context.client_secret"),
        AuthMethod::Basic => ("context.username", "context.password"),
    }
}

fn blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

fn blank_secret(value: &Option<SecretString>) -> bool {
    value.as_ref().is_none_or(|v| v.expose_secret().is_empty())
}

fn nonblank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn present(
    value: Option<String>,
    name: &'static str,
    missing: &mut Vec<&'static str>,
) -> Option<String> {
    let value = nonblank(value);
    if value.is_none() {
        missing.push(name);
    }
    value
}

/// Truto's tenant id rule (it auto-creates tenants matching it).
pub(in crate::http) fn check_tenant(tenant: &str) -> Result<(), ApiError> {
    let ok = (1..=256).contains(&tenant.len())
        && tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:@+-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "tenant_id must match [A-Za-z0-9._:@+-]{1,256}",
        ))
    }
}

/// `acme` → `https://acme.jamfcloud.com`; the name must be one DNS label.
fn jamf_cloud_url(company: &str) -> Result<String, ApiError> {
    let label_ok = company.len() <= 63
        && company
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !company.starts_with('-')
        && !company.ends_with('-');
    if !label_ok {
        return Err(ApiError::bad_request(
            "context.company_name must be a Jamf Cloud name such as `acme` (letters, digits, hyphens)",
        ));
    }
    Ok(format!(
        "https://{}.jamfcloud.com",
        company.to_ascii_lowercase()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::body::parse;

    fn create(json: serde_json::Value) -> Result<(String, Credentials), ApiError> {
        parse::<CreateBody>(json.to_string().as_bytes())?.validate()
    }

    #[test]
    fn company_name_stands_for_a_jamf_cloud_url() {
        let (tenant, credentials) = create(serde_json::json!({
            "tenant_id": "t:1@x.y+z-_", "authentication_method": "basic",
            "context": {"company_name": "Acme-EU", "username": " api ", "password": "p"}}))
        .expect("valid");
        assert_eq!(tenant, "t:1@x.y+z-_");
        assert_eq!(credentials.instance_url, "https://acme-eu.jamfcloud.com");
        assert_eq!(credentials.method, AuthMethod::Basic);
        assert_eq!(credentials.principal, "api");
        for bad in ["acme.evil.com", "-acme", "a/b", "acme@x"] {
            let err = create(serde_json::json!({
                "tenant_id": "t", "authentication_method": "basic",
                "context": {"company_name": bad, "username": "u", "password": "p"}}))
            .expect_err("refused");
            assert!(err.message().contains("company_name"), "{bad}");
        }
    }

    #[test]
    fn tenant_ids_follow_trutos_rule() {
        let body = |tenant: &str| {
            serde_json::json!({"tenant_id": tenant, "authentication_method": "oauth2_client_credentials",
                "context": {"instance_url": "https://x.example", "client_id": "c", "client_secret": "s"}})
        };
        assert!(create(body(&"a".repeat(256))).is_ok());
        for bad in ["a b", "a/b", "é", &"a".repeat(257)] {
            assert!(create(body(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn type_errors_do_not_echo_values() {
        let raw = br#"{"tenant_id": "t", "context": {"client_secret": 123456789}}"#;
        let err = parse::<CreateBody>(raw).err().expect("refused");
        assert!(!err.message().contains("123456789"), "{}", err.message());
    }
}
