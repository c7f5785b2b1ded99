//! Sync planning without a node, a store or a keychain: envelopes made in memory go in, the
//! changes they mean come out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use courier_engine::plan::{Change, Page, Skip, Source, cursor_after, plan};
use courier_engine::{ConsentState, DeliveryState, ProtocolVersion};
use prost::Message as _;
use rand_core::OsRng;
use xmtp_crypto::consent::{self, ConsentAction};
use xmtp_crypto::invitation::{self, Invitation};
use xmtp_crypto::keys::{BundleCache, PrivateKeyBundle};
use xmtp_crypto::wallet::LocalWallet;
use xmtp_crypto::{Sealed, Topic, content, topic, v1, v2};
use xmtp_proto::message_api::v1::Envelope;

/// The time the plans are made at.
const NOW: u64 = 1_800_000_000_000_000_000;

fn identity() -> PrivateKeyBundle {
    PrivateKeyBundle::generate(&LocalWallet::generate(&mut OsRng), 1_700_000_000_000, &mut OsRng).unwrap()
}

fn env(s: &Sealed, topic: &Topic) -> Envelope {
    Envelope { content_topic: topic.to_string(), timestamp_ns: s.timestamp_ns, message: s.bytes.clone().into() }
}

fn text(s: &str) -> Vec<u8> {
    content::text(s).encode_to_vec()
}

#[test]
fn an_invitation_and_its_messages_become_a_conversation_and_messages() {
    let (alice, bob) = (identity(), identity());
    let inv = Invitation::deterministic(&alice, &bob.as_peer(), None);
    let sealed = invitation::seal(&alice, &bob.as_peer(), &inv, 1_000, &mut OsRng);
    let invites = Page {
        topic: topic::invite(bob.address()),
        source: Source::Invites,
        envelopes: vec![env(&sealed, &topic::invite(bob.address()))],
    };
    let msgs: Vec<Envelope> = (0..3u64)
        .map(|i| {
            let m = v2::seal(
                &alice,
                &inv.topic,
                inv.key_material.expose(),
                &text(&format!("m{i}")),
                2_000 + i,
                true,
                false,
                &mut OsRng,
            );
            env(&m, &inv.topic)
        })
        .collect();
    let conversation = Page {
        topic: inv.topic.clone(),
        source: Source::V2 { key: inv.key_material.clone(), peer: alice.address().clone() },
        envelopes: msgs.clone(),
    };

    let cache = BundleCache::new();
    let p = plan(&bob, &cache, &[invites, conversation], NOW);
    assert_eq!(p.changes.len(), 4);
    match &p.changes[0] {
        Change::Conversation { conversation, started_here, key, derived } => {
            assert_eq!((&conversation.topic, &conversation.peer), (&inv.topic, alice.address()));
            assert_eq!(
                (conversation.version, conversation.created_ns, *started_here, *derived),
                (ProtocolVersion::V2, 1_000, false, true)
            );
            assert_eq!(key.expose(), inv.key_material.expose());
            assert!(conversation.key_sealed.is_none(), "sealed by the engine, not here");
        }
        other => panic!("{other:?}"),
    }
    let texts: Vec<_> = p.changes[1..]
        .iter()
        .map(|c| match c {
            Change::Message { message, intro: None } => {
                assert_eq!((&message.sender, message.state), (alice.address(), DeliveryState::Received));
                message.preview.clone()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(texts, ["m0", "m1", "m2"]);
    assert_eq!(p.cursors.len(), 2);
    assert_eq!(p.cursors[1].0, inv.topic);
    assert_eq!(p.cursors[1].1.timestamp_ns, msgs[2].timestamp_ns, "resumes after the last envelope");

    // Read back by its sender: the conversation was started here; its own messages are sent.
    let p = plan(
        &alice,
        &cache,
        &[Page {
            topic: topic::invite(alice.address()),
            source: Source::Invites,
            envelopes: vec![env(&sealed, &topic::invite(alice.address()))],
        }],
        NOW,
    );
    assert!(
        matches!(&p.changes[0], Change::Conversation { started_here: true, conversation, .. } if conversation.peer == *bob.address())
    );
}

#[test]
fn an_intro_opens_a_v1_conversation_and_consent_entries_are_read() {
    let (alice, bob) = (identity(), identity());
    let m = v1::seal(&alice, &bob.as_peer(), &text("hello over V1"), 5, &mut OsRng).unwrap();
    let intro = topic::intro(bob.address());
    let allow =
        consent::seal(bob.identity().secret(), &ConsentAction::Allow(vec![alice.address().clone()]), 7, &mut OsRng);
    let deny =
        consent::seal(bob.identity().secret(), &ConsentAction::Deny(vec![alice.address().clone()]), 9, &mut OsRng);
    let consent_topic = consent::topic(bob.identity().secret());
    let p = plan(
        &bob,
        &BundleCache::new(),
        &[
            Page { topic: intro.clone(), source: Source::Intros, envelopes: vec![env(&m, &intro)] },
            Page {
                topic: consent_topic.clone(),
                source: Source::ConsentList,
                envelopes: vec![env(&allow, &consent_topic), env(&deny, &consent_topic)],
            },
        ],
        NOW,
    );
    match &p.changes[0] {
        Change::Message { message, intro: Some(c) } => {
            assert_eq!((&c.topic, c.version, &c.peer), (&m.topic, ProtocolVersion::V1, alice.address()));
            assert_eq!(
                (&message.topic, message.sent_ns, message.preview.as_str()),
                (&m.topic, 5_000_000, "hello over V1")
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&p.changes[1], Change::Consent { state: ConsentState::Allowed, at_ns: 7, peers, .. } if peers == &[alice.address().clone()])
    );
    assert!(matches!(&p.changes[2], Change::Consent { state: ConsentState::Denied, at_ns: 9, .. }));
}

#[test]
fn what_does_not_open_is_skipped_with_its_reason() {
    let (alice, bob) = (identity(), identity());
    let inv = Invitation::deterministic(&alice, &bob.as_peer(), None);
    let wrong_key = xmtp_crypto::Secret::new([1u8; 32]);
    let m = v2::seal(&alice, &inv.topic, inv.key_material.expose(), &text("x"), 1, true, false, &mut OsRng);
    let late = v1::seal(&alice, &bob.as_peer(), &text("far future"), u64::MAX, &mut OsRng).unwrap();
    let junk = Envelope { content_topic: inv.topic.to_string(), timestamp_ns: 3, message: vec![0xff; 40].into() };
    let p = plan(
        &bob,
        &BundleCache::new(),
        &[
            Page {
                topic: inv.topic.clone(),
                source: Source::V2 { key: wrong_key, peer: alice.address().clone() },
                envelopes: vec![env(&m, &inv.topic), junk.clone()],
            },
            Page { topic: late.topic.clone(), source: Source::V1, envelopes: vec![env(&late, &late.topic)] },
            Page {
                topic: topic::invite(bob.address()),
                source: Source::Invites,
                envelopes: vec![Envelope { content_topic: topic::invite(bob.address()).into_string(), ..junk }],
            },
        ],
        NOW,
    );
    let reasons: Vec<&Skip> = p
        .changes
        .iter()
        .map(|c| match c {
            Change::Skipped { reason, .. } => reason,
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(
        matches!(reasons[..], [Skip::V2(_), Skip::V2(_), Skip::TimeOutOfRange, Skip::Invitation(_)]),
        "{reasons:?}"
    );
    // Skipped envelopes are read past, except the one dated in the far future (no cursor moves
    // past a future envelope).
    let moved: Vec<&Topic> = p.cursors.iter().map(|(t, _)| t).collect();
    assert_eq!(moved, [&inv.topic, &topic::invite(bob.address())]);
}

#[test]
fn future_times_count_as_now_and_move_no_cursor_outsiders_and_other_topics_are_dropped() {
    let (alice, bob, eve) = (identity(), identity(), identity());
    let inv = Invitation::deterministic(&alice, &bob.as_peer(), None);
    let seal = |who: &PrivateKeyBundle, s: &str, at: u64| {
        env(&v2::seal(who, &inv.topic, inv.key_material.expose(), &text(s), at, true, false, &mut OsRng), &inv.topic)
    };
    let mut future = seal(&alice, "next year", NOW + 365 * 86_400 * 1_000_000_000);
    future.timestamp_ns = NOW + 365 * 86_400 * 1_000_000_000;
    let mut elsewhere = seal(&alice, "elsewhere", 5);
    elsewhere.content_topic = "/xmtp/0/m-elsewhere/proto".to_owned();
    let envelopes = vec![seal(&alice, "now", 4), seal(&eve, "eve", 6), elsewhere, future];
    let page = Page {
        topic: inv.topic.clone(),
        source: Source::V2 { key: inv.key_material.clone(), peer: alice.address().clone() },
        envelopes: envelopes.clone(),
    };
    let p = plan(&bob, &BundleCache::new(), &[page], NOW);
    let summary: Vec<String> = p
        .changes
        .iter()
        .map(|c| match c {
            Change::Message { message, .. } => format!("{}@{}", message.preview, message.sent_ns),
            Change::Skipped { reason: Skip::NotAParticipant(who), .. } if who == eve.address() => "outsider".into(),
            Change::Skipped { reason: Skip::WrongTopic, .. } => "wrong topic".into(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(summary, ["now@4", "outsider", "wrong topic", format!("next year@{NOW}").as_str()]);
    assert_eq!(p.cursors, [(inv.topic.clone(), cursor_after(&envelopes[1]))], "not past the future envelope");
}
