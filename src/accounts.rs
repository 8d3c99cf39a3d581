//! The rules about users, memberships and keys: who may change whom, what a valid profile is,
//! and what a key may create. Plain functions over a connection, like the storage they call.

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::auth::{
    self, Caller, Credentials, DatasetScope, OrganizationScope, KEY_ROLE_READ_WRITE,
};
use crate::db::api_keys::{self, NewKey};
use crate::db::{chunks, datasets, files, organizations, users};
use crate::error::{AppError, AppResult};
use crate::models::{
    ApiKeyDto, Dataset, File, Organization, Role, SlimUser, User, UserDtoWithChunks,
    UserOrganization,
};
use crate::timestamp;

const MAX_NAME_LEN: usize = 100;
const MAX_USERNAME_LEN: usize = 64;
const MAX_WEBSITE_LEN: usize = 2048;
const MAX_EMAIL_LEN: usize = 254;

/// A user with their memberships; with `only_organization`, just that one (what an admin of it
/// may see about a member).
pub fn slim_user(
    conn: &Connection,
    user: User,
    only_organization: Option<&str>,
) -> AppResult<SlimUser> {
    let (orgs, user_orgs) = organizations::list_memberships_of_user(conn, &user.id)?
        .into_iter()
        .filter(|(org, _)| only_organization.is_none_or(|only| org.id == only))
        .unzip();
    Ok(SlimUser {
        id: user.id,
        email: user.email,
        name: user.name,
        username: user.username,
        website: user.website,
        visible_email: user.visible_email,
        orgs,
        user_orgs,
    })
}

/// `POST /api/user/set_api_key`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewKeyRequest {
    /// 1 to 100 characters.
    pub name: String,
    /// 0 read-only, 1 read and write; defaults to the role of the key in use, and may not exceed it.
    #[schema(minimum = 0, maximum = 1)]
    pub role: Option<i64>,
    /// RFC 3339, in the future; defaults to the expiry of the key in use, and may not exceed it.
    pub expires_at: Option<String>,
}

/// Create a key for the caller and return it; it is never shown again. A key cannot create a
/// key stronger than itself: not a higher role, not a later expiry.
pub fn create_api_key(
    conn: &Connection,
    caller: &Caller,
    request: &NewKeyRequest,
) -> AppResult<String> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(AppError::invalid(
            "name",
            format!("name must be 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    let role = request.role.unwrap_or(caller.key.role);
    if !(0..=KEY_ROLE_READ_WRITE).contains(&role) {
        return Err(AppError::invalid(
            "role",
            "role must be 0 (read-only) or 1 (read and write)",
        ));
    }
    if role > caller.key.role {
        return Err(AppError::Forbidden(
            "A key cannot create a key with a higher role than its own".into(),
        ));
    }
    let expires_at = match request.expires_at.as_deref() {
        None => caller.key.expires_at.clone(),
        Some(text) => {
            let at = timestamp::parse_rfc3339(text).ok_or_else(|| {
                AppError::invalid(
                    "expires_at",
                    "expires_at must be an RFC 3339 timestamp, like 2027-01-31T12:00:00Z",
                )
            })?;
            let at = timestamp::format_utc(at);
            if at <= timestamp::now() {
                return Err(AppError::invalid(
                    "expires_at",
                    "expires_at must be in the future",
                ));
            }
            if caller.key.expires_at.as_ref().is_some_and(|own| at > *own) {
                return Err(AppError::Forbidden(
                    "A key cannot create a key that outlives it".into(),
                ));
            }
            Some(at)
        }
    };
    let key = auth::generate_api_key()?;
    api_keys::insert_api_key(
        conn,
        &NewKey {
            user_id: &caller.user.id,
            name,
            key_hash: &auth::hash_api_key(&key),
            role,
            expires_at: expires_at.as_deref(),
            is_bootstrap: false,
        },
    )?;
    Ok(key)
}

/// Delete one of the caller's keys and return the ones left. Another user's key is a 404.
pub fn delete_api_key(
    conn: &Connection,
    caller: &Caller,
    key_id: &str,
) -> AppResult<Vec<ApiKeyDto>> {
    if !api_keys::delete_key_of_user(conn, &caller.user.id, key_id)? {
        return Err(AppError::NotFound(
            "You have no API key with that id".into(),
        ));
    }
    api_keys::list_keys_of_user(conn, &caller.user.id)
}

/// `PUT /api/user`. Absent (or null) fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserUpdate {
    /// The user to update; the caller when absent.
    pub user_id: Option<uuid::Uuid>,
    pub name: Option<String>,
    pub username: Option<String>,
    pub website: Option<String>,
    pub visible_email: Option<bool>,
    /// The target's role in the organization: 0 user, 1 admin, 2 owner; not above the caller's.
    #[schema(minimum = 0, maximum = 2)]
    pub role: Option<i64>,
}

/// The organization `PUT /api/user` acts in: TR-Organization, else the TR-Dataset's, else the
/// caller's only one. None when the caller belongs to none or several and named none.
fn organization_for_update(
    conn: &Connection,
    caller: &Caller,
    credentials: &Credentials,
) -> AppResult<Option<String>> {
    if let Some(organization_id) = &credentials.organization_id {
        return Ok(Some(organization_id.clone()));
    }
    if let Some(dataset_id) = &credentials.dataset_id {
        let dataset = datasets::find_dataset_by_id(conn, dataset_id)?
            .ok_or_else(|| AppError::NotFound("Dataset not found".into()))?;
        return Ok(Some(dataset.organization_id));
    }
    let memberships = organizations::list_memberships_of_user(conn, &caller.user.id)?;
    Ok(match memberships.as_slice() {
        [(only, _)] => Some(only.id.clone()),
        _ => None,
    })
}

pub fn update_user(
    conn: &Connection,
    caller: Caller,
    credentials: &Credentials,
    update: UserUpdate,
) -> AppResult<SlimUser> {
    let target_id = update
        .user_id
        .map(|id| id.to_string())
        .unwrap_or_else(|| caller.user.id.clone());
    let is_self = target_id == caller.user.id;
    let organization_id = organization_for_update(conn, &caller, credentials)?;
    if organization_id.is_none() && (!is_self || update.role.is_some()) {
        return Err(AppError::BadRequest(
            "Name the organization with the TR-Organization header".into(),
        ));
    }
    let caller_user = caller.user.clone();
    let scope = organization_id
        .map(|id| caller.in_organization(conn, &id))
        .transpose()?;

    if let Some(scope) = &scope {
        let target_membership = if is_self {
            scope.membership.clone()
        } else {
            managed_membership(conn, scope, &target_id)?
        };
        if let Some(role) = update.role {
            let role = grantable_role(scope, role)?;
            if role < Role::Owner {
                keep_an_owner(conn, scope, &target_membership)?;
            }
            if role != target_membership.role() {
                organizations::update_membership_role(conn, &target_membership.id, role)?;
            }
        }
    }
    let mut target = if is_self {
        caller_user
    } else {
        users::find_user_by_id(conn, &target_id)?.ok_or_else(not_a_member)?
    };

    let before = target.clone();
    apply_profile_changes(&mut target, &update)?;
    let target = if profile_changed(&before, &target) {
        users::update_user_profile(conn, &target)?
    } else {
        target
    };
    let only_organization = if is_self {
        None
    } else {
        scope.as_ref().map(|scope| scope.organization.id.as_str())
    };
    slim_user(conn, target, only_organization)
}

fn not_a_member() -> AppError {
    AppError::Forbidden("That user is not a member of this organization".into())
}

// The rules for an admin or owner acting on another member, shared by role changes, adding
// and removing members.

/// Another member's membership, if the caller (an admin or owner) may act on it: their role is
/// not above the caller's.
fn managed_membership(
    conn: &Connection,
    scope: &OrganizationScope,
    user_id: &str,
) -> AppResult<UserOrganization> {
    scope.require(Role::Admin)?;
    let membership = organizations::find_membership(conn, user_id, &scope.organization.id)?
        .ok_or_else(not_a_member)?;
    if membership.role() > scope.role() {
        return Err(AppError::Forbidden(
            "You cannot change a member whose role is above yours".into(),
        ));
    }
    Ok(membership)
}

/// A role the caller may grant: 0, 1 or 2, and not above their own.
fn grantable_role(scope: &OrganizationScope, role: i64) -> AppResult<Role> {
    let role = Role::from_i64(role).ok_or_else(|| {
        AppError::invalid("role", "role must be 0 (user), 1 (admin) or 2 (owner)")
    })?;
    if role > scope.role() {
        return Err(AppError::Forbidden(
            "You cannot grant a role above your own".into(),
        ));
    }
    Ok(role)
}

/// 400 if `membership` is the organization's last owner, who may neither step down nor leave.
fn keep_an_owner(
    conn: &Connection,
    scope: &OrganizationScope,
    membership: &UserOrganization,
) -> AppResult<()> {
    if membership.role() == Role::Owner
        && organizations::count_owners(conn, &scope.organization.id)? == 1
    {
        return Err(AppError::BadRequest(
            "An organization keeps at least one owner: make another member owner first".into(),
        ));
    }
    Ok(())
}

fn profile_changed(before: &User, after: &User) -> bool {
    before.name != after.name
        || before.username != after.username
        || before.website != after.website
        || before.visible_email != after.visible_email
}

/// Merge validated profile fields into `user`. An empty string clears a field.
fn apply_profile_changes(user: &mut User, update: &UserUpdate) -> AppResult<()> {
    if let Some(name) = &update.name {
        let name = name.trim();
        if name.chars().count() > MAX_NAME_LEN || name.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "name",
                format!(
                    "name must be at most {MAX_NAME_LEN} characters, without control characters"
                ),
            ));
        }
        user.name = (!name.is_empty()).then(|| name.to_string());
    }
    if let Some(username) = &update.username {
        let username = username.trim();
        if username.chars().count() > MAX_USERNAME_LEN
            || username
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(AppError::invalid(
                "username",
                format!("username must be at most {MAX_USERNAME_LEN} characters, without spaces"),
            ));
        }
        user.username = (!username.is_empty()).then(|| username.to_string());
    }
    if let Some(website) = &update.website {
        let website = website.trim();
        let lower = website.to_ascii_lowercase();
        if !website.is_empty()
            && (website.len() > MAX_WEBSITE_LEN
                || !(lower.starts_with("https://") || lower.starts_with("http://"))
                || website.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            return Err(AppError::invalid(
                "website",
                "website must be an http:// or https:// address",
            ));
        }
        user.website = (!website.is_empty()).then(|| website.to_string());
    }
    if let Some(visible_email) = update.visible_email {
        user.visible_email = visible_email;
    }
    if user.username.is_none() && !user.visible_email {
        return Err(AppError::invalid(
            "visible_email",
            "A user without a username must keep visible_email true",
        ));
    }
    Ok(())
}

/// A user whose data a member of a dataset may list: a member of the dataset's organization, or
/// anyone who left chunks or files in the dataset. Anyone else is a 404.
fn find_listed_user(conn: &Connection, scope: &DatasetScope, user_id: &str) -> AppResult<User> {
    if user_id == scope.scope.caller.user.id {
        return Ok(scope.scope.caller.user.clone());
    }
    let not_found = || AppError::NotFound("No user with that id in this dataset".into());
    let user = users::find_user_by_id(conn, user_id)?.ok_or_else(not_found)?;
    let listed = organizations::find_membership(conn, user_id, &scope.dataset.organization_id)?
        .is_some()
        || chunks::count_chunks_by_author(conn, &scope.dataset.id, user_id)? > 0
        || files::user_has_files(conn, &scope.dataset.id, user_id)?;
    if listed {
        Ok(user)
    } else {
        Err(not_found())
    }
}

/// `GET /api/user/{user_id}/{page}`.
pub fn user_with_chunks(
    conn: &Connection,
    scope: &DatasetScope,
    user_id: &str,
    page: i64,
) -> AppResult<UserDtoWithChunks> {
    if page < 1 {
        return Err(AppError::BadRequest("page must be 1 or more".into()));
    }
    let user = find_listed_user(conn, scope, user_id)?;
    // The page relies on the count: both are read in the reader's one snapshot.
    let total = chunks::count_chunks_by_author(conn, &scope.dataset.id, &user.id)?;
    let page = chunks::list_chunks_by_author(conn, &scope.dataset.id, &user.id, page, total)?;
    Ok(UserDtoWithChunks {
        total_chunks_created: total,
        chunks: page,
        email: user.visible_email.then_some(user.email),
        id: user.id,
        username: user.username,
        website: user.website,
        visible_email: user.visible_email,
        created_at: user.created_at,
    })
}

/// `GET /api/user/files/{user_id}`.
pub fn user_files(conn: &Connection, scope: &DatasetScope, user_id: &str) -> AppResult<Vec<File>> {
    let user = find_listed_user(conn, scope, user_id)?;
    files::list_files_by_user(conn, &scope.dataset.id, &user.id)
}

pub fn validate_email(email: &str) -> AppResult<String> {
    let email = email.trim();
    let valid = email.len() <= MAX_EMAIL_LEN
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email.to_string())
    } else {
        Err(AppError::invalid("email", "email is not a valid address"))
    }
}

/// A member just added to an organization, with their first key if they are a new user.
pub struct AddedMember {
    pub user: User,
    pub organization: Organization,
    pub dataset: Option<Dataset>,
    pub api_key: Option<String>,
}

/// Add a user, by email, to an organization. A new user is created with a first read-write key;
/// an existing one only gains the membership. Already a member is a 409.
pub fn add_member(
    conn: &Connection,
    organization: Organization,
    email: &str,
    name: Option<&str>,
    role: Role,
) -> AppResult<AddedMember> {
    let email = validate_email(email)?;
    let (user, api_key) = match users::find_user_by_email(conn, &email)? {
        Some(user) => (user, None),
        None => {
            let user = users::insert_user(conn, &email, name)?;
            let key = insert_new_full_key(conn, &user.id, "first key")?;
            (user, Some(key))
        }
    };
    organizations::insert_membership(conn, &user.id, &organization.id, role)?;
    let dataset = datasets::find_first_dataset_of_organization(conn, &organization.id)?;
    Ok(AddedMember {
        user,
        organization,
        dataset,
        api_key,
    })
}

/// `POST /api/organization/{organization_id}/users`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewMemberRequest {
    pub email: String,
    /// 0 user, 1 admin, 2 owner; not above the caller's.
    #[schema(minimum = 0, maximum = 2)]
    pub role: i64,
    pub name: Option<String>,
}

/// An admin or owner adds a user, with a role not above their own.
pub fn add_member_as(
    conn: &Connection,
    scope: OrganizationScope,
    request: &NewMemberRequest,
) -> AppResult<AddedMember> {
    scope.require(Role::Admin)?;
    let role = Role::from_i64(request.role).ok_or_else(|| {
        AppError::invalid("role", "role must be 0 (user), 1 (admin) or 2 (owner)")
    })?;
    if role > scope.role() {
        return Err(AppError::Forbidden(
            "You cannot grant a role above your own".into(),
        ));
    }
    let name = request
        .name
        .as_deref()
        .map(str::trim)
        .filter(|name| !name.is_empty());
    if name.is_some_and(|name| name.chars().count() > MAX_NAME_LEN) {
        return Err(AppError::invalid(
            "name",
            format!("name must be at most {MAX_NAME_LEN} characters"),
        ));
    }
    add_member(conn, scope.organization, &request.email, name, role)
}

/// An admin or owner removes a member whose role is not above their own. The last owner stays.
/// The user's other memberships, keys and data are kept.
pub fn remove_member(conn: &Connection, scope: &OrganizationScope, user_id: &str) -> AppResult<()> {
    let membership = managed_membership(conn, scope, user_id)?;
    keep_an_owner(conn, scope, &membership)?;
    organizations::delete_membership(conn, &membership.id)
}

/// Create an organization with its `default` dataset.
pub fn create_organization(conn: &Connection, name: &str) -> AppResult<(Organization, Dataset)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(AppError::invalid(
            "name",
            format!("organization name must be 1 to {MAX_NAME_LEN} characters"),
        ));
    }
    let organization = organizations::insert_organization(conn, name)?;
    let dataset =
        datasets::insert_dataset(conn, &organization.id, "default", &json!({}), &json!({}))?;
    Ok((organization, dataset))
}

pub const OWNER_EMAIL: &str = "admin@localhost";
const BOOTSTRAP_KEY_NAME: &str = "ADMIN_API_KEY";

/// What the first start created; `api_key` is the key to print once (None when ADMIN_API_KEY
/// supplied it).
pub struct FirstStart {
    pub organization: Organization,
    pub dataset: Dataset,
    pub owner: User,
    pub api_key: Option<String>,
}

/// Run at every start. An empty database gets organization `default`, dataset `default`, owner
/// `admin@localhost` and a key. With `admin_key` (ADMIN_API_KEY), that value is the owner's
/// bootstrap key: kept if already stored, otherwise it replaces the previous bootstrap key.
pub fn bootstrap(conn: &Connection, admin_key: Option<&str>) -> AppResult<Option<FirstStart>> {
    let has_users: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users)")?
        .query_row([], |row| row.get(0))?;
    if !has_users {
        let (organization, dataset) = create_organization(conn, "default")?;
        let owner = users::insert_user(conn, OWNER_EMAIL, Some("Admin"))?;
        organizations::insert_membership(conn, &owner.id, &organization.id, Role::Owner)?;
        let api_key = match admin_key {
            Some(key) => {
                insert_bootstrap_key(conn, &owner.id, key)?;
                None
            }
            None => Some(insert_new_full_key(conn, &owner.id, "first start")?),
        };
        return Ok(Some(FirstStart {
            organization,
            dataset,
            owner,
            api_key,
        }));
    }
    if let Some(key) = admin_key {
        if api_keys::find_key_by_hash(conn, &auth::hash_api_key(key))?.is_none() {
            let owner_id = match api_keys::find_bootstrap_key(conn)? {
                Some(previous) => previous.user_id,
                None => users::find_user_by_email(conn, OWNER_EMAIL)?
                    .map(|owner| owner.id)
                    .ok_or_else(|| {
                        AppError::Internal(format!(
                            "ADMIN_API_KEY is set but there is no {OWNER_EMAIL} user to hold it"
                        ))
                    })?,
            };
            api_keys::delete_bootstrap_keys(conn)?;
            insert_bootstrap_key(conn, &owner_id, key)?;
        }
    }
    Ok(None)
}

fn insert_bootstrap_key(conn: &Connection, owner_id: &str, key: &str) -> AppResult<()> {
    insert_full_key(conn, owner_id, BOOTSTRAP_KEY_NAME, key, true)
}

/// A new read-write key without expiry for a user; returns the key, to show once.
fn insert_new_full_key(conn: &Connection, user_id: &str, name: &str) -> AppResult<String> {
    let key = auth::generate_api_key()?;
    insert_full_key(conn, user_id, name, &key, false)?;
    Ok(key)
}

/// Store a read-write key without expiry (as its digest).
fn insert_full_key(
    conn: &Connection,
    user_id: &str,
    name: &str,
    key: &str,
    is_bootstrap: bool,
) -> AppResult<()> {
    api_keys::insert_api_key(
        conn,
        &NewKey {
            user_id,
            name,
            key_hash: &auth::hash_api_key(key),
            role: KEY_ROLE_READ_WRITE,
            expires_at: None,
            is_bootstrap,
        },
    )?;
    Ok(())
}
