//! `PUT /api/user`: profile fields, and who may change whose role.

use actix_web::http::Method;
use serde_json::json;
use trieve_lite::types::roles::Role;

use crate::helpers::{id, spawn_app};

fn role_in(body: &serde_json::Value, org_id: &str) -> i64 {
    body["user_orgs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["organization_id"] == org_id)
        .unwrap()["role"]
        .as_i64()
        .unwrap()
}

#[actix_web::test]
async fn a_user_updates_their_own_profile() {
    let app = spawn_app().await;
    let res = app
        .put_user(
            &app.owner_key,
            json!({"name": "Ada", "username": "ada", "website": "https://ada.example", "visible_email": false}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["name"], "Ada");
    assert_eq!(res.body["username"], "ada");
    assert_eq!(res.body["website"], "https://ada.example");
    assert_eq!(res.body["visible_email"], false);
    let me = app.get("/api/auth/me", &app.owner_key).await.body;
    assert_eq!(me["username"], "ada");

    // Fields not sent keep their value.
    let res = app
        .put_user(&app.owner_key, json!({"name": "Ada L."}))
        .await;
    assert_eq!(res.body["username"], "ada");
    assert_eq!(res.body["website"], "https://ada.example");
}

#[actix_web::test]
async fn a_taken_username_is_a_409() {
    let app = spawn_app().await;
    let bob = app.add_member("bob@example.com", Role::User).await;
    assert_eq!(
        app.put_user(&app.owner_key, json!({"username": "taken"}))
            .await
            .status,
        200
    );
    let res = app.put_user(&bob.key, json!({"username": "taken"})).await;
    assert_eq!(res.status, 409);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE username = 'taken'"),
        1
    );
}

#[actix_web::test]
async fn without_a_username_the_email_must_stay_visible() {
    let app = spawn_app().await;
    let res = app
        .put_user(&app.owner_key, json!({"visible_email": false}))
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE visible_email = 0"),
        0
    );
}

#[actix_web::test]
async fn invalid_profile_values_are_400() {
    let app = spawn_app().await;
    for body in [
        json!({"website": "javascript:alert(1)"}),
        json!({"username": "has space"}),
        json!({"name": "x".repeat(500)}),
        json!({"role": 7}),
        json!({"user_id": "not-a-uuid"}),
        json!({"visible_email": "yes"}),
    ] {
        let res = app.put_user(&app.owner_key, body.clone()).await;
        assert_eq!(res.status, 400, "{body}");
    }
}

#[actix_web::test]
async fn an_error_about_a_field_names_it_so_a_form_can_mark_it() {
    let app = spawn_app().await;
    for (body, field) in [
        (json!({"website": "javascript:alert(1)"}), "website"),
        (json!({"username": "has space"}), "username"),
        (json!({"name": "x".repeat(500)}), "name"),
        (json!({"role": 7}), "role"),
        (json!({"user_id": "not-a-uuid"}), "user_id"),
        (json!({"visible_email": "yes"}), "visible_email"),
        (json!({"visible_email": false}), "visible_email"),
    ] {
        let res = app.put_user(&app.owner_key, body.clone()).await;
        assert_eq!(res.status, 400, "{body}");
        assert_eq!(res.body["field"], field, "{body}: {}", res.body);
    }
    let bob = app.add_member("bob@example.com", Role::User).await;
    app.put_user(&app.owner_key, json!({"username": "taken"}))
        .await;
    let taken = app.put_user(&bob.key, json!({"username": "taken"})).await;
    assert_eq!(
        (taken.status, taken.body["field"].as_str()),
        (409, Some("username"))
    );

    let unauthenticated = app.put_user("tr-nope", json!({"name": "x"})).await;
    assert_eq!(unauthenticated.status, 401);
    assert!(unauthenticated.body.get("field").is_none());
}

#[actix_web::test]
async fn an_admin_promotes_a_user_to_admin_but_not_to_owner() {
    let app = spawn_app().await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let user = app.add_member("user@example.com", Role::User).await;
    let promoted = app
        .put_user(&admin.key, json!({"user_id": user.id, "role": 1}))
        .await;
    assert_eq!(promoted.status, 200);
    assert_eq!(role_in(&promoted.body, &app.org_id), 1);

    let too_high = app
        .put_user(&admin.key, json!({"user_id": user.id, "role": 2}))
        .await;
    assert_eq!(too_high.status, 403);
    assert_eq!(
        app.count("SELECT count(*) FROM user_organizations WHERE role = 2"),
        1
    );
}

#[actix_web::test]
async fn a_refused_role_or_expiry_names_its_field() {
    let app = spawn_app().await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let user = app.add_member("user@example.com", Role::User).await;
    let too_high = app
        .put_user(&admin.key, json!({"user_id": user.id, "role": 2}))
        .await;
    assert_eq!(
        (too_high.status, too_high.body["field"].as_str()),
        (403, Some("role"))
    );
    let last_owner = app.put_user(&app.owner_key, json!({"role": 1})).await;
    assert_eq!(
        (last_owner.status, last_owner.body["field"].as_str()),
        (400, Some("role"))
    );

    let short_lived = app
        .insert_key(&app.owner_id, 1, Some("2090-01-01T00:00:00.000000Z"))
        .await;
    let outliving = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &short_lived,
            Some(&json!({"name": "longer", "expires_at": "2095-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(
        (outliving.status, outliving.body["field"].as_str()),
        (403, Some("expires_at"))
    );
}

#[actix_web::test]
async fn an_admin_cannot_change_an_owner_and_a_user_cannot_change_anyone() {
    let app = spawn_app().await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let user = app.add_member("user@example.com", Role::User).await;
    let on_owner = app
        .put_user(&admin.key, json!({"user_id": app.owner_id, "role": 0}))
        .await;
    assert_eq!(on_owner.status, 403);
    let by_user = app
        .put_user(&user.key, json!({"user_id": admin.id, "name": "Renamed"}))
        .await;
    assert_eq!(by_user.status, 403);
    let self_promotion = app.put_user(&user.key, json!({"role": 1})).await;
    assert_eq!(self_promotion.status, 403);
    assert_eq!(
        app.count("SELECT count(*) FROM user_organizations WHERE role = 0"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE name = 'Renamed'"),
        0
    );
}

#[actix_web::test]
async fn the_owner_changes_any_members_profile_and_role() {
    let app = spawn_app().await;
    let user = app.add_member("user@example.com", Role::User).await;
    let res = app
        .put_user(
            &app.owner_key,
            json!({"user_id": user.id, "role": 2, "name": "Co-owner"}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["id"], user.id.as_str());
    assert_eq!(res.body["name"], "Co-owner");
    assert_eq!(role_in(&res.body, &app.org_id), 2);
}

#[actix_web::test]
async fn the_last_owner_cannot_lose_the_owner_role() {
    let app = spawn_app().await;
    let res = app.put_user(&app.owner_key, json!({"role": 1})).await;
    assert_eq!(res.status, 400);
    assert_eq!(
        app.count("SELECT count(*) FROM user_organizations WHERE role = 2"),
        1
    );

    // With a second owner, the first may step down.
    let second = app.add_member("second@example.com", Role::Owner).await;
    let res = app.put_user(&app.owner_key, json!({"role": 1})).await;
    assert_eq!(res.status, 200);
    assert_eq!(role_in(&res.body, &app.org_id), 1);
    // And now the second is the last one.
    let res = app.put_user(&second.key, json!({"role": 0})).await;
    assert_eq!(res.status, 400);
}

#[actix_web::test]
async fn another_organizations_member_is_refused() {
    let app = spawn_app().await;
    let (other_org, _, other_owner) = app.add_organization("other", "boss@other.example").await;
    let local = app.add_member("local@example.com", Role::User).await;

    // The other owner names our organization: not a member of it.
    let res = app
        .send(
            Method::PUT,
            "/api/user",
            &[
                ("Authorization", &other_owner.key),
                ("TR-Organization", &app.org_id),
            ],
            Some(&json!({"user_id": local.id, "role": 0})),
        )
        .await;
    assert_eq!(res.status, 403);
    // The other owner names their own organization: our user is not a member of it.
    let res = app
        .send(
            Method::PUT,
            "/api/user",
            &[
                ("Authorization", &other_owner.key),
                ("TR-Organization", &other_org),
            ],
            Some(&json!({"user_id": local.id, "name": "Hijacked"})),
        )
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE name = 'Hijacked'"),
        0
    );
}

#[actix_web::test]
async fn a_member_of_several_organizations_must_name_one_to_change_roles() {
    let app = spawn_app().await;
    let (other_org, _, _) = app.add_organization("other", "boss@other.example").await;
    let user = app.add_member("user@example.com", Role::User).await;
    app.add_member_to(&other_org, "owner-too@example.com", Role::User)
        .await;
    // The owner joins the other organization too, so there is no single organization to infer.
    let (owner_id, org_id) = (id(&app.owner_id), id(&other_org));
    app.write(move |conn| {
        Ok(trieve_lite::db::organizations::insert_membership(
            conn,
            owner_id,
            org_id,
            Role::User,
        )?)
    })
    .await;
    let ambiguous = app
        .send(
            Method::PUT,
            "/api/user",
            &[("Authorization", &app.owner_key)],
            Some(&json!({"user_id": user.id, "role": 1})),
        )
        .await;
    assert_eq!(ambiguous.status, 400);
    let named = app
        .send(
            Method::PUT,
            "/api/user",
            &[
                ("Authorization", &app.owner_key),
                ("TR-Organization", &app.org_id),
            ],
            Some(&json!({"user_id": user.id, "role": 1})),
        )
        .await;
    assert_eq!(named.status, 200);
    // The admin sees the user with this organization's membership only.
    assert_eq!(named.body["user_orgs"].as_array().unwrap().len(), 1);
}
