//! The typed calls on their own: sites, chargers, ongoing transactions, transactions.

mod common;

use common::*;
use emabler_client::{ListRequest, OngoingTransactionsRequest, TransactionsRequest};
use evsessions_core::Error;
use evsessions_testkit::emabler::EmablerMock;

#[tokio::test]
async fn sites_list_and_by_id() {
    let mock = EmablerMock::start().await;
    let c = client(&mock);
    let page = c.sites(&ListRequest::default()).await.unwrap();
    assert_eq!(page.total_records, Some(5));
    assert_eq!(page.has_next_page, Some(false));
    let names: Vec<_> = page.items.iter().map(|s| s.name.clone().unwrap()).collect();
    assert_eq!(
        names,
        [
            "Helsinki Housing Oy",
            "Kamppi P-talo",
            "Ruoholahti",
            "Tampere Ratina",
            "Sergels torg P-hus"
        ]
    );
    // groupType as an int code, coordinates and counts as strings, postal code as a number.
    let r = &page.items[2];
    assert_eq!(r.group_type.as_deref(), Some("1"));
    assert_eq!(r.latitude, Some(dec("60.1630")));
    assert_eq!(r.number_of_chargers, Some(1));
    assert_eq!(r.postal_code.as_deref(), Some("180"));
    assert!(r.site_path.is_empty());

    let k = c.site("3101").await.unwrap();
    assert_eq!(k.id.as_deref(), Some("3101"));
    assert_eq!(k.timezone.as_deref(), Some("Europe/Helsinki"));
    assert_eq!(k.latitude, Some(dec("60.169")));
    assert_eq!(k.parent_site_id.as_deref(), Some("3100"));
    assert_eq!(k.cost_center_id.as_deref(), Some("901"));
    assert_eq!(k.notes, None);

    let paged = c.sites(&ListRequest::page(2, 2)).await.unwrap();
    assert_eq!(paged.page, Some(2));
    assert_eq!(paged.items.len(), 2);
    assert_eq!(paged.has_previous_page, Some(true));
    let req = requests(&mock, "/v2/sites").await.pop().unwrap();
    assert_eq!(req.url.query(), Some("page=2&limit=2"));

    let e = c.site("999").await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "emabler: site \"999\" was not found; check the id"
    );
}

#[tokio::test]
async fn chargers_list_and_by_id() {
    let mock = EmablerMock::start().await;
    let c = client(&mock);
    let page = c.chargers(&ListRequest::default()).await.unwrap();
    assert_eq!(page.items.len(), 8);
    // ocppVersion as an enum name or an int code: text either way.
    let v: Vec<_> = page
        .items
        .iter()
        .map(|x| x.ocpp_version.clone().unwrap())
        .collect();
    assert_eq!(
        v,
        [
            "Version16",
            "2",
            "Version16",
            "Version201",
            "Version16",
            "Version16",
            "Version16",
            "Unknown"
        ]
    );

    let ch = c.charger("EMB_HKI_0004").await.unwrap();
    assert_eq!(ch.id.as_deref(), Some("70004"));
    assert_eq!(ch.state.as_deref(), Some("Charging"));
    assert_eq!(ch.ongoing_transactions.len(), 1);
    assert_eq!(
        ch.ongoing_transactions[0].transaction_id.as_deref(),
        Some("1032440001")
    );
    assert_eq!(ch.sockets.len(), 2);

    // The never-seen sentinel is None; a null chargerType too.
    let ch = c.charger("70102").await.unwrap();
    assert_eq!(ch.last_seen, None);
    assert_eq!(ch.charger_type, None);
    let ch = c.charger("EMB_HKI_0101").await.unwrap();
    assert_eq!(ch.last_seen, Some(t("2025-03-06T10:00:00Z")));

    // Ids are path segments, percent-encoded.
    let e = c.charger("no such/charger").await.unwrap_err();
    assert!(matches!(e, Error::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("charger \"no such/charger\""), "{e}");
    let req = requests(&mock, "charger").await.pop().unwrap();
    assert_eq!(
        req.url.path(),
        "/api/v2/cpo/v2/chargers/no%20such%2Fcharger"
    );
}

#[tokio::test]
async fn ongoing_transactions_typed() {
    let mock = EmablerMock::start().await;
    let c = client(&mock);
    let page = c
        .ongoing_transactions(&OngoingTransactionsRequest::default())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    let a = &page.items[0];
    assert_eq!(a.transaction_id, "1032440001");
    assert_eq!(a.start_meter_wh, Some(dec("1203345")));
    assert_eq!(a.tariff_max_price_excl_vat, Some(dec("19.92")));
    assert_eq!(a.created_at, Some(t("2025-03-06T07:45:11.2503311Z")));
    let b = &page.items[1];
    assert_eq!(b.transaction_id, "1032440107");
    assert!(b.external_user_ids.is_empty());
    assert_eq!(b.updated_at, None);

    let mut q = OngoingTransactionsRequest::page(1, 50);
    q.charger_ids = vec!["EMB_TRE_0001".into(), "EMB_X".into()];
    let page = c.ongoing_transactions(&q).await.unwrap();
    assert_eq!(page.items.len(), 1);
    let req = requests(&mock, "/ongoing-transactions")
        .await
        .pop()
        .unwrap();
    assert_eq!(
        req.url.query(),
        Some("page=1&limit=50&chargerIds=EMB_TRE_0001%2CEMB_X")
    );
}

#[tokio::test]
async fn transactions_typed_with_filters() {
    let mock = EmablerMock::start().await;
    let c = client(&mock);
    let mut body = TransactionsRequest::page(1, 1000);
    body.transaction_ids = vec![1048576004, 1048576011];
    let page = c.transactions(&body).await.unwrap();
    assert_eq!(page.total_records, Some(2));
    let ids: Vec<_> = page.items.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(ids, ["1048576004", "1048576011"]);
    assert_eq!(page.items[0].tariff_version, Some(1));
    assert_eq!(page.items[1].vehicle_id.as_deref(), Some("VH-2291"));

    let mut body = TransactionsRequest::page(1, 10);
    body.evse_transaction_ids = vec!["1032436555".into()];
    body.include_sanity_flags = Some(true);
    let page = c.transactions(&body).await.unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(
        page.items[0].sanity_flags,
        Some(vec!["MeterValuesMissing".to_string()])
    );
    assert_eq!(page.items[0].origin.as_deref(), Some("OCPI"));
    assert_eq!(page.items[0].total_margin_amount, Some(dec("0.10")));

    let mut body = TransactionsRequest::page(1, 10);
    body.driver_ids = vec!["40102".into()];
    let page = c.transactions(&body).await.unwrap();
    assert_eq!(page.items[0].id, "1048576008");
    assert_eq!(page.items[0].full_consumption_wh, Some(dec("12345")));
    assert_eq!(page.items[0].full_consumption_kwh, Some(dec("12.345")));
}

#[tokio::test]
async fn the_mock_pages_exactly_like_the_fixture_files() {
    use evsessions_testkit::fixture;
    let mock = EmablerMock::start().await;
    let c = client(&mock);
    let files = [
        fixture!("emabler/transactions-page1.json"),
        fixture!("emabler/transactions-page2.json"),
        fixture!("emabler/transactions-page3.json"),
    ];
    for (i, file) in files.iter().enumerate() {
        let want: serde_json::Value = serde_json::from_str(file).unwrap();
        let got = c
            .transactions_raw(&TransactionsRequest::page(i as u32 + 1, 4))
            .await
            .unwrap();
        assert_eq!(serde_json::to_value(&got).unwrap(), want, "page {}", i + 1);
    }
}
