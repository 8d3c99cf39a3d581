"""What Trieve's client can call and trieve-lite does not offer (OIDC sign-in, billing, e-mail
invitations): a 501 whose message says what to use instead, through trieve-python-client 1.0.0;
and logout, which always succeeds (API keys are not sessions)."""

import json

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException


def refused_501(call):
    with pytest.raises(ApiException) as refused:
        call()
    assert refused.value.status == 501
    return json.loads(refused.value.body)["message"]


def test_logout_succeeds_and_the_key_still_works(server):
    client = server.client(server.owner_key)
    assert tc.AuthApi(client).logout() is None
    assert tc.AuthApi(client).get_me().email == "admin@localhost"


def test_sign_in_billing_and_invitations_are_501s_that_say_what_to_do(server):
    client = server.client(server.owner_key)
    auth, stripe = tc.AuthApi(client), tc.StripeApi(client)
    for call in (lambda: auth.login(redirect_uri="http://localhost/"), auth.callback):
        assert "API key" in refused_501(call)
    for call in (
        lambda: stripe.cancel_subscription("sub_1"),
        lambda: stripe.direct_to_payment_link("plan_1", "org_1"),
        stripe.get_all_plans,
        lambda: stripe.update_subscription_plan("sub_1", "plan_1"),
    ):
        assert "billing" in refused_501(call)
    me = tc.AuthApi(client).get_me()
    invite = tc.InvitationData(
        app_url="http://localhost/", email="new@example.com", organization_id=me.orgs[0].id,
        redirect_uri="http://localhost/", user_role=0,
    )
    message = refused_501(lambda: tc.InvitationApi(client).post_invitation(invite))
    assert "/api/organization/" in message and "user add" in message
