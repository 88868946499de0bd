//! A site's derived place: `Location.placedIn`, the most precise boundary that holds the
//! site's point, as far as the caller may see it.

use crate::app::TestApp;
use crate::both_engines;
use crate::maps::import_peru;
use serde_json::{Value, json};

const PLACED_IN: &str = r#"query($id: ID!) { node(id: $id) { ... on Location {
    placedIn { id code level ancestors { code } } } } }"#;

async fn new_site(app: &TestApp, lat: Option<f64>, lon: Option<f64>) -> String {
    let site = app
        .data(
            r#"mutation($lat: Float, $lon: Float) { createLocation(input: {name: "Site", level: SITE, latitude: $lat, longitude: $lon}) { id } }"#,
            json!({"lat": lat, "lon": lon}),
        )
        .await;
    site["createLocation"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no site: {site:#}"))
        .to_owned()
}

async fn placed_in(app: &TestApp, token: Option<&str>, site: &str) -> Value {
    app.data_as(token, PLACED_IN, json!({"id": site})).await["node"]["placedIn"].clone()
}

both_engines!(a_site_answers_the_place_its_point_lies_in, |engine| {
    let app = TestApp::spawn(engine).await;
    import_peru(&app.store).await;

    // Chalhuahuacho, in Cotabambas (Apurímac).
    let inside = new_site(&app, Some(-14.10), Some(-72.25)).await;
    let place = placed_in(&app, None, &inside).await;
    assert_eq!(place["level"], json!("DISTRICT"), "{place:#}");
    let code = place["code"].as_str().unwrap_or_default().to_owned();
    assert!(code.starts_with("03"), "a district of Apurímac: {place:#}");
    let ancestors: Vec<&str> = place["ancestors"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["code"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        ancestors.contains(&"03") && ancestors.contains(&&code[..4]),
        "its province and region: {place:#}"
    );

    // No point, or a point outside every boundary: no place.
    let nowhere = new_site(&app, None, None).await;
    assert_eq!(placed_in(&app, None, &nowhere).await, Value::Null);
    let at_sea = new_site(&app, Some(-12.0), Some(-80.0)).await;
    assert_eq!(placed_in(&app, None, &at_sea).await, Value::Null);

    // A dump carries no site places: loading one places the sites again.
    let loaded = app.dumped_into(engine).await;
    assert_eq!(placed_in(&loaded, None, &inside).await["code"], json!(code));

    // A restricted district is answered to readers with a token, and to nobody else.
    let district = place["id"].clone();
    app.data(
        r#"mutation($id: ID!) { updateLocation(id: $id, input: {visibility: RESTRICTED}) { id } }"#,
        json!({"id": district}),
    )
    .await;
    assert_eq!(placed_in(&app, None, &inside).await, Value::Null);
    let seen = placed_in(&app, Some(&app.viewer), &inside).await;
    assert_eq!(seen["id"], district, "{seen:#}");
});
