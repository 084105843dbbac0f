//! Taxes and business (ФНС), property (Росреестр), consumer complaints (Роспотребнадзор),
//! passports and vehicles (МВД) and traffic fines (ГИБДД).

use super::*;
use app::services::{AccountLevel, Agency, RegionRule};

pub(super) fn services() -> Vec<ServiceDescription> {
    vec![
        entrepreneur_registration(),
        tax_deduction(),
        entrepreneur_closure(),
        property_register_extract(),
        consumer_complaint(),
        vehicle_registration(),
        international_passport(),
        traffic_fine(),
    ]
}

fn entrepreneur_registration() -> ServiceDescription {
    let tax_systems = [
        (
            "osno",
            "Общая система налогообложения",
            "General tax regime",
        ),
        ("usn_income", "УСН «Доходы»", "Simplified: income"),
        (
            "usn_income_expenses",
            "УСН «Доходы минус расходы»",
            "Simplified: income less costs",
        ),
    ];
    ServiceDescription {
        code: "10000001101".to_owned(),
        target_code: "-10000001101".to_owned(),
        real_code: false,
        title: "Государственная регистрация физического лица в качестве индивидуального \
                предпринимателя"
            .to_owned(),
        agency: Agency::Fns,
        summary: "Запись в ЕГРИП по заявлению Р21001: лист записи с ОГРНИП налоговая \
                  присылает на электронную почту."
            .to_owned(),
        deadline: working_days(3).noted("со дня получения документов налоговой"),
        fee: free().noted("госпошлина 800 ₽ не взимается при подаче в электронном виде"),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "Паспорт гражданина РФ",
            "ИНН — при наличии",
            "Коды видов деятельности по ОКВЭД",
        ]),
        form: form(
            vec![
                last_name(),
                first_name(),
                middle_name(),
                inn().optional().help("Если ИНН уже присвоен"),
                passport(),
                registration_address(),
                email().help("Сюда придёт лист записи ЕГРИП"),
                text(
                    "okved",
                    "Основной код ОКВЭД",
                    "Main activity code (OKVED)",
                    8,
                )
                .help("Например, 62.01"),
                select(
                    "tax_system",
                    "Система налогообложения",
                    "Tax regime",
                    &tax_systems,
                ),
            ],
            no_attachments(),
        ),
    }
}

fn tax_deduction() -> ServiceDescription {
    let deductions = [
        (
            "housing",
            "Покупка или строительство жилья",
            "Buying or building a home",
        ),
        (
            "mortgage_interest",
            "Проценты по ипотеке",
            "Mortgage interest",
        ),
        ("medical", "Лечение и лекарства", "Medical treatment"),
        ("education", "Обучение", "Education"),
    ];
    let [bik, account] = bank_account();
    ServiceDescription {
        code: "10000001102".to_owned(),
        target_code: "-10000001102".to_owned(),
        real_code: false,
        title: "Налоговый вычет по НДФЛ (декларация 3-НДФЛ)".to_owned(),
        agency: Agency::Fns,
        summary: "Возврат части уплаченного НДФЛ за покупку жилья, проценты по ипотеке, \
                  лечение или обучение: декларация 3-НДФЛ с заявлением на возврат налога."
            .to_owned(),
        deadline: calendar_days(90)
            .noted("камеральная проверка; деньги возвращают в течение месяца после неё"),
        fee: free(),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "Справка о доходах и суммах налога — если её нет в личном кабинете налогоплательщика",
            "Договор и документы об оплате (чеки, платёжные поручения)",
            "Выписка из ЕГРН или акт приёма-передачи — для вычета за жильё",
        ]),
        form: form(
            vec![
                inn(),
                number(
                    "tax_year",
                    "Год, за который нужен вычет",
                    "Tax year",
                    2022,
                    2025,
                ),
                select("deduction_type", "Вид вычета", "Deduction", &deductions),
                number(
                    "expenses_rub",
                    "Сумма расходов, ₽",
                    "Expenses, RUB",
                    1,
                    100_000_000,
                ),
                bik,
                account,
                mobile_phone(),
            ],
            scans(
                10,
                "Договор, платёжные документы и справки, подтверждающие расходы",
            ),
        ),
    }
}

fn entrepreneur_closure() -> ServiceDescription {
    ServiceDescription {
        code: "10000001103".to_owned(),
        target_code: "-10000001103".to_owned(),
        real_code: false,
        title: "Прекращение деятельности индивидуального предпринимателя".to_owned(),
        agency: Agency::Fns,
        summary: "Запись в ЕГРИП о прекращении деятельности по заявлению Р26001: лист записи \
                  налоговая присылает на электронную почту."
            .to_owned(),
        deadline: working_days(5).noted("со дня получения документов налоговой"),
        fee: free().noted("госпошлина 160 ₽ не взимается при подаче в электронном виде"),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&["Паспорт гражданина РФ", "ОГРНИП"]),
        form: form(
            vec![
                last_name(),
                first_name(),
                inn(),
                identifier("ogrnip", IdentifierKind::Ogrnip).help("15 цифр из листа записи ЕГРИП"),
                email().help("Сюда придёт лист записи ЕГРИП"),
                confirmation(
                    "data_confirmed",
                    "Подтверждаю, что сведения в заявлении достоверны",
                    "I confirm the application is accurate",
                ),
            ],
            no_attachments(),
        ),
    }
}

fn property_register_extract() -> ServiceDescription {
    let extracts = [
        (
            "main_characteristics",
            "Об основных характеристиках и зарегистрированных правах",
            "Main characteristics and registered rights",
        ),
        (
            "rights_transfer",
            "О переходе прав на объект",
            "Transfers of rights",
        ),
    ];
    ServiceDescription {
        code: "10000001104".to_owned(),
        target_code: "-10000001104".to_owned(),
        real_code: false,
        title: "Выписка из ЕГРН об объекте недвижимости".to_owned(),
        agency: Agency::Rosreestr,
        summary: "Электронная выписка из Единого государственного реестра недвижимости, \
                  подписанная усиленной электронной подписью Росреестра: характеристики \
                  объекта, владельцы, обременения или история перехода прав."
            .to_owned(),
        deadline: working_days(3),
        fee: rubles(350).noted("для граждан, выписка в электронном виде"),
        required_level: AccountLevel::Standard,
        regions: RegionRule::AllRussia,
        documents: strings(&["Кадастровый номер или адрес объекта"]),
        form: form(
            vec![
                text(
                    "cadastral_number",
                    "Кадастровый номер",
                    "Cadastral number",
                    40,
                )
                .help("Например, 77:01:0001001:1234"),
                select("extract_kind", "Вид выписки", "Extract", &extracts),
                last_name(),
                first_name(),
                email().help("Сюда придёт ссылка на выписку"),
            ],
            no_attachments(),
        ),
    }
}

fn consumer_complaint() -> ServiceDescription {
    ServiceDescription {
        code: "10000001108".to_owned(),
        target_code: "-10000001108".to_owned(),
        real_code: false,
        title: "Обращение о нарушении прав потребителей".to_owned(),
        agency: Agency::Rospotrebnadzor,
        summary: "Жалоба на продавца, изготовителя или исполнителя услуг: Роспотребнадзор \
                  рассмотрит обращение и при нарушениях примет меры."
            .to_owned(),
        deadline: calendar_days(30).noted("со дня регистрации обращения"),
        fee: free(),
        required_level: AccountLevel::Simplified,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "Чек или другой документ о покупке",
            "Договор, претензия продавцу и его ответ — при наличии",
        ]),
        form: form(
            vec![
                last_name(),
                first_name(),
                email().help("Сюда придёт ответ"),
                text(
                    "seller_name",
                    "Продавец или исполнитель",
                    "Seller or provider",
                    300,
                ),
                identifier("seller_inn", IdentifierKind::Inn)
                    .optional()
                    .help("ИНН продавца, если известен: есть в чеке"),
                past_date(
                    "purchase_date",
                    "Дата покупки или услуги",
                    "Date of purchase",
                ),
                long_text("complaint", "Суть нарушения", "What happened", 4000),
            ],
            scans(5, "Чек, договор, претензия, фотографии товара"),
        ),
    }
}

fn vehicle_registration() -> ServiceDescription {
    let actions = [
        ("new_owner", "Смена владельца", "Change of owner"),
        ("new_vehicle", "Новое транспортное средство", "New vehicle"),
        (
            "data_change",
            "Изменение регистрационных данных",
            "Change of details",
        ),
    ];
    ServiceDescription {
        code: "10000000804".to_owned(),
        target_code: "-10000000804".to_owned(),
        real_code: true,
        title: "Регистрация транспортного средства".to_owned(),
        agency: Agency::Mvd,
        summary: "Постановка автомобиля на учёт или изменение регистрационных данных, \
                  например после покупки: выдаются свидетельство о регистрации и при \
                  необходимости регистрационные знаки."
            .to_owned(),
        deadline: deadline_in_words("В день осмотра транспортного средства в Госавтоинспекции"),
        fee: rubles(2_850).noted(
            "регистрационные знаки 2 000 ₽, свидетельство о регистрации 500 ₽, \
             изменения в паспорт ТС 350 ₽",
        ),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "Паспорт гражданина РФ",
            "Договор купли-продажи или другой документ о праве собственности",
            "Паспорт транспортного средства или выписка из электронного ПТС",
            "Полис ОСАГО",
        ]),
        form: form(
            vec![
                last_name(),
                first_name(),
                passport(),
                passport_issued_by(),
                text("vin", "VIN", "VIN", 17).help("17 знаков: латинские буквы и цифры"),
                select(
                    "action",
                    "Регистрационное действие",
                    "Registration action",
                    &actions,
                ),
                text(
                    "police_unit",
                    "Подразделение Госавтоинспекции",
                    "Traffic police unit",
                    200,
                ),
                mobile_phone(),
            ],
            scans(3, "Договор купли-продажи, полис ОСАГО"),
        ),
    }
}

fn international_passport() -> ServiceDescription {
    ServiceDescription {
        code: "10000001110".to_owned(),
        target_code: "-10000001110".to_owned(),
        real_code: false,
        title: "Оформление заграничного паспорта нового образца".to_owned(),
        agency: Agency::Mvd,
        summary: "Биометрический заграничный паспорт сроком на 10 лет; фотографируют в \
                  подразделении МВД при подаче документов."
            .to_owned(),
        deadline: calendar_days(30)
            .noted("по месту жительства; по месту пребывания — до 3 месяцев"),
        fee: rubles(6_000).noted("государственная пошлина за паспорт нового образца"),
        required_level: AccountLevel::Confirmed,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "Паспорт гражданина РФ",
            "Военный билет — для мужчин от 18 до 30 лет",
            "Действующий заграничный паспорт — при наличии",
        ]),
        form: form(
            vec![
                last_name(),
                first_name(),
                middle_name(),
                birth_date(),
                birth_place(),
                gender(),
                passport(),
                registration_address(),
                mobile_phone(),
            ],
            no_attachments(),
        ),
    }
}

fn traffic_fine() -> ServiceDescription {
    let actions = [
        ("pay", "Оплатить штраф", "Pay the fine"),
        ("appeal", "Обжаловать постановление", "Appeal the decision"),
    ];
    ServiceDescription {
        code: "10000001111".to_owned(),
        target_code: "-10000001111".to_owned(),
        real_code: false,
        title: "Оплата и обжалование штрафа ГИБДД".to_owned(),
        agency: Agency::Fines,
        summary: "Оплата штрафа по УИН постановления — со скидкой 50 % в течение 20 дней со \
                  дня его вынесения — или жалоба на постановление в Госавтоинспекцию."
            .to_owned(),
        deadline: calendar_days(10).noted("рассмотрение жалобы; оплата зачисляется сразу"),
        fee: free().noted("сумма штрафа — по постановлению"),
        required_level: AccountLevel::Standard,
        regions: RegionRule::AllRussia,
        documents: strings(&[
            "Постановление по делу об административном правонарушении (УИН)",
            "Для жалобы — фотографии, видео, документы",
        ]),
        form: form(
            vec![
                identifier("uin", IdentifierKind::Uin).help("20 или 25 цифр из постановления"),
                radio("action", "Что сделать", "Action", &actions),
                last_name(),
                first_name(),
                long_text("appeal_reason", "Доводы жалобы", "Grounds of appeal", 4000)
                    .optional()
                    .help("Только для жалобы"),
                email(),
            ],
            scans(5, "Фотографии и документы к жалобе"),
        ),
    }
}
