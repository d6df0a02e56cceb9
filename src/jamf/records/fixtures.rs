//! Real Jamf payloads (as documented in `docs/jamf-pro-api.md`), shared by parsing and normalization tests.

/// Real Classic list, Jamf Cloud 10.42.1 (served as `text/plain;charset=UTF-8`).
pub(crate) const CLASSIC_LIST: &[u8] = br#"{"accounts":{"users":[{"id":12,"name":"adam.pierson"},{"id":1,"name":"adam.williams"},{"id":9,"name":"austin.kelleher"},{"id":16,"name":"Wrong_Permissions"}],"groups":[{"id":1,"name":"Test Group","site":{"id":1,"name":"Test site"}},{"id":2,"name":"Another Test Group","site":{"id":1,"name":"Test site"}}]}}"#;

/// Real Classic detail of a Custom, Full Access account (no `site`, no `ldap_server`).
pub(crate) const CLASSIC_CUSTOM: &[u8] = br#"{"account":{"id":16,"name":"Wrong_Permissions","directory_user":false,"full_name":"John Doe","email":"paul.ilaga@creativice.com","email_address":"paul.ilaga@creativice.com","enabled":"Enabled","force_password_change":false,"access_level":"Full Access","privilege_set":"Custom","privileges":{"jss_objects":["Read Advanced Computer Searches","Read Computers","Read Mobile Devices","Read Accounts","Read macOS Configuration Profiles","Read User"],"jss_settings":[],"jss_actions":[],"recon":[],"casper_admin":[]}}}"#;

/// Real Classic group detail: no `jss_settings`, empty `members`.
pub(crate) const CLASSIC_GROUP: &[u8] = br#"{"group":{"id":1,"name":"Test Group","access_level":"Site Access","privilege_set":"Custom","site":{"id":1,"name":"Test site"},"privileges":{"jss_objects":[],"jss_actions":[],"recon":[]},"members":[]}}"#;

/// Jamf reference example of `GET /api/v1/accounts`.
pub(crate) const V1_ACCOUNTS: &[u8] = br#"{"totalCount":1,"results":[{"id":"1","username":"testusername","realname":"Bob Jones","email":"bob@jamf.com","phone":"715-999-9999","ldapServerId":-1,"distinguishedName":"","siteId":-1,"accessLevel":"FullAccess","privilegeLevel":"ADMINISTRATOR","lastPasswordChange":"2017-07-21T17:32:28Z","changePasswordOnNextLogin":true,"failedLoginAttempts":0,"accountStatus":"Enabled","accountType":"DEFAULT"}]}"#;

/// `GET /api/v1/account-groups` built from the schema examples (string `siteId`).
pub(crate) const V1_GROUPS: &[u8] = br#"{"totalCount":1,"results":[{"id":"1","name":"Admin","accessLevel":"FullAccess","privilegeLevel":"ADMINISTRATOR","siteId":"-1","ldapServerId":"-1","directoryGroupId":"","members":[{"id":"1","username":"admin","realname":"Admin User","email":"admin@jamf.com"}],"privileges":["Read Computers","Update Computers"]}]}"#;

pub(crate) const API_ROLES: &[u8] = br#"{"totalCount":1,"results":[{"id":"1","displayName":"One Role to Rule them all","privileges":["View License Serial Numbers"]}]}"#;

pub(crate) const API_CLIENTS: &[u8] = br#"{"totalCount":1,"results":[{"id":1,"authorizationScopes":["Tootsie Roal","Jamf Reset"],"displayName":"My API Integration","enabled":true,"accessTokenLifetimeSeconds":300,"appType":"CLIENT_CREDENTIALS","clientId":"538878d4-9744-43ed-8732-3df99d502bd6"}]}"#;

pub(crate) const SSO_V3: &[u8] = br#"{"configurationType":"SAML","oidcSettings":{"userMapping":"USERNAME","jamfIdAuthenticationEnabled":true,"usernameAttributeClaimMapping":"EMAIL"},"samlSettings":{"tokenExpirationDisabled":false,"userAttributeEnabled":false,"userAttributeName":" ","userMapping":"USERNAME","groupAttributeName":"http://schemas.xmlsoap.org/claims/Group","groupRdnKey":" ","idpProviderType":"ADFS","idpUrl":"https://example.idp.com/app/id/sso/saml/metadata","entityId":"saml/metadata","metadataSource":"URL","sessionTimeout":480},"ssoForEnrollmentEnabled":false,"ssoBypassAllowed":false,"ssoEnabled":false,"ssoForMacOsSelfServiceEnabled":false,"enrollmentSsoForAccountDrivenEnrollmentEnabled":false,"enrollmentSsoConfig":{"hosts":["dev-12324233.okta.com"],"managementHint":""},"groupEnrollmentAccessEnabled":false,"groupEnrollmentAccessName":" "}"#;
