"""Without a language model (no --llm-url), the six calls that need one answer 400 saying how
to configure it; the rest of the chat API works."""

import json

import pytest
import trieve_python_client as tc
from trieve_python_client.exceptions import ApiException


def test_the_calls_that_need_a_language_model_say_how_to_configure_one(server):
    client = server.client(server.owner_key)
    org_id = tc.AuthApi(client).get_me().orgs[0].id
    dataset = tc.DatasetApi(client).get_datasets_from_organization(org_id)[0].dataset
    in_dataset = server.client(server.owner_key, dataset.id)
    topic_id = "00000000-0000-4000-8000-000000000000"
    chunk = tc.ChunkApi(in_dataset).create_chunk(
        tc.CreateChunkData(chunk_html="<p>some text</p>")).chunk_metadata
    calls = [
        lambda: tc.TopicApi(in_dataset).create_topic(
            tc.CreateTopicData(first_user_message="hello")),
        lambda: tc.MessageApi(in_dataset).create_message_completion_handler(
            tc.CreateMessageData(topic_id=topic_id, new_message_content="hello")),
        lambda: tc.MessageApi(in_dataset).edit_message_handler(tc.EditMessageData(
            topic_id=topic_id, message_sort_order=1, new_message_content="hello")),
        lambda: tc.MessageApi(in_dataset).regenerate_message_handler(
            tc.RegenerateMessageData(topic_id=topic_id)),
        lambda: tc.ChunkApi(in_dataset).generate_off_chunks(tc.GenerateChunksRequest(
            chunk_ids=[chunk.id], prev_messages=[tc.ChatMessageProxy(role="user", content="hi")])),
        lambda: tc.ChunkApi(in_dataset).create_suggested_queries_handler(
            tc.SuggestedQueriesRequest(query="hello")),
    ]
    for call in calls:
        with pytest.raises(ApiException) as refused:
            call()
        assert refused.value.status == 400
        assert "--llm-url" in json.loads(refused.value.body)["message"]
    assert tc.TopicApi(in_dataset).get_all_topics() == []
